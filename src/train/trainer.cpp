#include "swinpp/train/trainer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "device_sync_guard.h"
#include "swinpp/config/config_io.h"
#include "swinpp/config/lr_scaling.h"
#include "swinpp/dist/parameter_broadcast.h"
#include "swinpp/dist/single_process_communicator.h"
#include "swinpp/model/non_finite_trace.h"
#include "swinpp/optim/ema.h"
#include "swinpp/optim/loss_scaler.h"
#include "swinpp/optim/lr_schedule.h"
#include "swinpp/optim/optimizer.h"
#include "swinpp/optim/param_groups.h"
#include "swinpp/train/autocast_guard.h"
#include "swinpp/train/batch_upload.h"
#include "swinpp/train/checkpoint.h"
#include "swinpp/train/cuda_graph_step.h"
#include "swinpp/train/event_file_writer.h"
#include "swinpp/train/metrics_log.h"
#include "swinpp/train/parameter_updater.h"
#include "swinpp/train/training_step.h"
#include "swinpp/util/error.h"
#include "swinpp/util/progress.h"

namespace swinpp::train {

namespace fs = std::filesystem;

namespace {
/// Separates the stream that seeds LibTorch's generator (drop path, dropout)
/// from the batch-level generator handed to the task.
constexpr uint64_t kTorchSeedStream = 0x746F726368ULL;
}  // namespace

struct Trainer::State {
  config::Config cfg;
  std::shared_ptr<TrainingTask> task;
  TrainerOptions opts;
  std::shared_ptr<dist::Communicator> comm;
  std::shared_ptr<torch::nn::Module> module;
  std::unique_ptr<data::Loader> loader;
  std::unique_ptr<ParameterUpdater> updater;
  std::unique_ptr<optim::LrSchedule> schedule;
  std::unique_ptr<optim::LossScaler> scaler;
  std::unique_ptr<TrainingStep> step;
  std::unique_ptr<CudaGraphStep> graph;  ///< TRAIN.CUDA_GRAPH
  std::optional<optim::ModelEma> ema;
  std::unique_ptr<MetricsLog> metrics;
  std::unique_ptr<EventFileWriter> events;  ///< TensorBoard, rank 0 only
  int64_t steps_per_epoch = 0;
  /// What autocast casts to with AMP_ENABLE (TRAIN.AMP_DTYPE).
  c10::ScalarType amp_dtype = c10::ScalarType::BFloat16;
  TrainingPosition pos;

  bool main() const { return comm->rank() == 0; }
  /// One record to metrics.jsonl and, as scalars "event/key" at its "step", to
  /// TensorBoard; then the pictures the task made, at the same step.
  void log(const std::string& event, const std::map<std::string, double>& values) {
    metrics->write(event, values);
    if (!events) return;
    const auto step = static_cast<int64_t>(values.at("step"));
    for (const auto& [key, value] : values)
      if (key != "step") events->add_scalar(event + "/" + key, value, step);
    log_pictures(step);
    events->flush();
  }
  /// The task's new pictures to TensorBoard, flushed when there were any.
  void log_pictures(int64_t step) {
    auto pictures = task->take_pictures();
    if (!events || pictures.empty()) return;
    for (const auto& [tag, picture] : pictures) events->add_image(tag, picture, step);
    events->flush();
  }
  std::string checkpoint_dir(const std::string& run_dir) const {
    return (fs::path(run_dir) / "checkpoints").string();
  }
  CheckpointParts parts() {
    CheckpointParts p;
    p.model = module.get();
    p.updater = updater.get();
    p.scaler = scaler.get();
    p.ema = ema ? &*ema : nullptr;
    p.communicator = comm->world_size() > 1 ? comm.get() : nullptr;
    p.config_yaml = config::to_yaml(cfg);
    p.task = task->name();
    return p;
  }
};

Trainer::Trainer(config::Config cfg, std::shared_ptr<TrainingTask> task, TrainerOptions opts)
    : s_(std::make_unique<State>()) {
  auto& s = *s_;
  s.cfg = std::move(cfg);
  s.task = std::move(task);
  s.opts = opts;
  s.comm =
      opts.communicator ? opts.communicator : std::make_shared<dist::SingleProcessCommunicator>();
  const int rank = s.comm->rank();
  const int world = s.comm->world_size();
  const auto& c = s.cfg;
  run_dir_ = (fs::path(c.output) / c.model.name / c.tag).string();
  if (s.main()) {
    fs::create_directories(s.checkpoint_dir(run_dir_));
    std::ofstream(fs::path(run_dir_) / "config.yaml") << config::to_yaml(c);
    spdlog::info("resolved configuration:\n{}", config::to_yaml(c));
  }
  s.module = s.task->module();
  s.module->to(opts.device);
  s.module->train();
  if (world > 1) dist::broadcast_module(*s.module, *s.comm);
  s.loader = s.task->make_train_loader(rank, world);
  const int64_t accum = c.train.accumulation_steps;
  s.steps_per_epoch = s.loader->batches_per_epoch() / accum;
  if (s.steps_per_epoch < 1)
    throw Error(fmt::format(
        "the training set gives {} batches of DATA.BATCH_SIZE {} per epoch on this rank, fewer "
        "than TRAIN.ACCUMULATION_STEPS {}: use a smaller batch or more data",
        s.loader->batches_per_epoch(), c.data.batch_size, accum));

  const auto lrs = config::scaled_learning_rates(c, world);
  optim::ParamGroupOptions g;
  g.weight_decay = c.train.weight_decay;
  g.layer_decay = c.train.layer_decay;
  g.depths = c.model.swinv2.depths;
  optim::OptimizerOptions o;
  o.kind = optim::parse_optimizer_kind(c.train.optimizer.name);
  o.base_lr = lrs.base_lr;
  o.eps = c.train.optimizer.eps;
  o.betas = c.train.optimizer.betas;
  o.momentum = c.train.optimizer.momentum;
  s.updater =
      make_parameter_updater(optim::build_param_groups(optim::named_parameters_of(*s.module), g), o,
                             static_cast<int>(c.dist.zero_stage), s.comm, s.module->parameters());

  optim::LrScheduleOptions l;
  l.kind = optim::parse_lr_schedule_kind(c.train.lr_scheduler.name);
  l.base_lr = lrs.base_lr;
  l.warmup_lr = lrs.warmup_lr;
  l.min_lr = lrs.min_lr;
  l.epochs = static_cast<double>(c.train.epochs);
  l.warmup_epochs = static_cast<double>(c.train.warmup_epochs);
  l.steps_per_epoch = s.steps_per_epoch;
  l.warmup_prefix = c.train.lr_scheduler.warmup_prefix;
  l.decay_epochs = static_cast<double>(c.train.lr_scheduler.decay_epochs);
  l.decay_rate = c.train.lr_scheduler.decay_rate;
  l.milestones = c.train.lr_scheduler.multisteps;
  l.gamma = c.train.lr_scheduler.gamma;
  s.schedule = std::make_unique<optim::LrSchedule>(l);
  s.amp_dtype = parse_amp_dtype(c.train.amp_dtype);
  const bool fp16 = c.amp_enable && s.amp_dtype == c10::ScalarType::Half;
  if (fp16 && !opts.device.is_cuda())
    throw Error("TRAIN.AMP_DTYPE float16 needs a CUDA device; on the CPU use bfloat16");
  if (opts.forbid_device_syncs && !DeviceSyncGuard::supported(opts.device))
    throw Error(
        "forbidding device syncs needs a CUDA device (and a build with CUDA); the device is " +
        opts.device.str());
  s.scaler = optim::make_loss_scaler(fp16);
  s.step =
      std::make_unique<TrainingStep>(*s.updater, *s.scaler, c.train.accumulation_steps,
                                     c.train.clip_grad, c.train.max_skipped_steps, opts.device);
  if (c.train.cuda_graph) {
    check_cuda_graph_config(c, opts.device, world);
    s.graph = std::make_unique<CudaGraphStep>(
        *s.step,
        [&s](const std::vector<torch::Tensor>& inputs) {
          AutocastGuard autocast(s.cfg.amp_enable, s.opts.device.type(), s.amp_dtype);
          return s.task->loss(inputs);
        },
        opts.device);
  }
  if (c.train.ema.enable) s.ema.emplace(*s.module, c.train.ema.decay);
  s.metrics =
      std::make_unique<MetricsLog>((fs::path(run_dir_) / "metrics.jsonl").string(), s.main());
  if (s.main()) s.events = std::make_unique<EventFileWriter>(run_dir_);

  s.pos.epoch = c.train.start_epoch;
  std::optional<std::string> resume;
  if (!c.model.resume.empty())
    resume = c.model.resume;
  else if (c.train.auto_resume) {
    const IntactCheckpoint found = latest_intact_checkpoint(s.checkpoint_dir(run_dir_));
    if (s.main())
      for (const std::string& reason : found.damaged)
        spdlog::warn("passing over a damaged checkpoint: {}", reason);
    resume = found.folder;
  }
  if (resume) {
    s.pos = load_checkpoint(*resume, s.parts());
    spdlog::info("resumed from {} at epoch {}, batch {}, step {}", *resume, s.pos.epoch,
                 s.pos.next_batch, s.pos.step);
    // What was logged after this checkpoint is logged again from here.
    s.metrics->drop_after(s.pos.step);
    if (s.events) s.events->start_session(s.pos.step + 1);
  }
  if (s.events) {
    // Four spaces: a Markdown code block in TensorBoard's text view.
    std::string text;
    std::istringstream yaml(config::to_yaml(c));
    for (std::string line; std::getline(yaml, line);) text += "    " + line + "\n";
    s.events->add_text("config", text, s.pos.step);
    s.events->flush();
  }
  if (s.main())
    spdlog::info(
        "{}: {} steps per epoch x {} epochs, batch {} x {} accumulation x {} ranks ({}{}) on {}, "
        "base lr {:.3g}",
        s.task->name(), s.steps_per_epoch, c.train.epochs, c.data.batch_size, accum, world,
        s.comm->backend_name(),
        c.dist.zero_stage > 0 ? fmt::format(", ZeRO-{}", c.dist.zero_stage) : "", opts.device.str(),
        lrs.base_lr);
}

Trainer::~Trainer() = default;

namespace {

/// Where a non-finite step shows: the loss, parameters whose values are not
/// finite, and parameters whose gradients are not finite, the last of them in
/// registration order first (backward reaches the modules near the loss first).
std::string describe_non_finite(const torch::nn::Module& module, bool loss_finite) {
  std::vector<std::string> bad_values;
  std::vector<std::string> bad_gradients;
  for (const auto& item : module.named_parameters()) {
    const torch::Tensor& value = item.value();
    if (!torch::isfinite(value).all().item<bool>()) bad_values.push_back(item.key());
    const torch::Tensor& grad = value.grad();
    if (grad.defined() && !torch::isfinite(grad).all().item<bool>())
      bad_gradients.push_back(item.key());
  }
  std::string text = loss_finite ? "the loss is finite" : "the loss is not finite";
  if (!bad_values.empty())
    text += fmt::format("; {} parameters are not finite, first '{}'", bad_values.size(),
                        bad_values.front());
  if (!bad_gradients.empty())
    text += fmt::format(
        "; the gradients of {} parameters are not finite, nearest the loss '{}' (module '{}')",
        bad_gradients.size(), bad_gradients.back(),
        bad_gradients.back().substr(0, bad_gradients.back().rfind('.')));
  else
    text += "; every gradient is finite";
  return text;
}

}  // namespace

std::map<std::string, double> Trainer::fit() {
  auto& s = *s_;
  const auto& c = s.cfg;
  const int64_t accum = c.train.accumulation_steps;
  const int64_t batches = s.steps_per_epoch * accum;
  const int64_t total_steps = s.opts.max_steps > 0
                                  ? std::min(s.opts.max_steps, s.steps_per_epoch * c.train.epochs)
                                  : s.steps_per_epoch * c.train.epochs;
  const int rank = s.comm->rank();
  const c10::Device device = s.opts.device;
  Progress progress(s.task->name(), total_steps, c.print_freq, s.main());
  std::map<std::string, double> last_eval;
  auto save = [&](bool epoch_end) {
    TrainingPosition p = s.pos;
    p.epoch_end = epoch_end;
    const auto dir = save_checkpoint(s.checkpoint_dir(run_dir_), s.parts(), p);
    if (!s.main()) return;
    prune_checkpoints(s.checkpoint_dir(run_dir_), s.opts.keep_step_checkpoints);
    spdlog::debug("checkpoint written to {}", dir);
  };
  auto end_of_epoch = [&](int64_t epoch) {
    auto m = s.task->end_of_epoch(epoch, run_dir_, *s.comm);
    if (s.ema) {
      s.ema->store(*s.module);
      s.ema->copy_to(*s.module);
      for (const auto& [k, v] : s.task->end_of_epoch(epoch, run_dir_, *s.comm)) m["ema_" + k] = v;
      s.ema->restore(*s.module);
    }
    m["epoch"] = static_cast<double>(epoch);
    m["step"] = static_cast<double>(s.pos.step);
    if (s.main()) s.log("epoch_end", m);
    last_eval = m;
  };

  s.updater->set_lr(s.schedule->lr(s.pos.step));
  const int64_t first_step = s.pos.step;
  s.step->start_at(first_step);
  // Stops the run once TRAIN.MAX_SKIPPED_STEPS steps in a row were skipped;
  // checked whenever the statistics are read (logging and checkpoint steps).
  auto stop_if_skipping = [&](const StepStatistics::Report& r) {
    if (r.streak_limit_step == 0) return;
    const auto checkpoint = latest_checkpoint(s.checkpoint_dir(run_dir_));
    throw Error(fmt::format(
        "step {}: {} steps in a row had a non-finite loss or gradients and were skipped "
        "(TRAIN.MAX_SKIPPED_STEPS {}); {}; last good checkpoint: {}",
        r.streak_limit_step, c.train.max_skipped_steps, c.train.max_skipped_steps,
        r.last_finite_step > 0 ? fmt::format("last finite loss {:.6g} at step {}",
                                             r.last_finite_loss, r.last_finite_step)
                               : std::string("no step of this run had a finite loss"),
        checkpoint ? *checkpoint : std::string("none")));
  };
  // Names the module where a step first stops being finite.
  std::optional<NonFiniteTrace> trace;
  if (c.train.stop_at_non_finite) trace.emplace(*s.module);
  auto window_start = std::chrono::steady_clock::now();
  int64_t window_first_step = s.pos.step + 1;
  std::string status;  // what the progress line shows, as of the last logging step
  bool stop = s.pos.step >= total_steps;
  BatchUpload upload(device);  // on CUDA, overlaps the step before
  while (!stop && s.pos.epoch < c.train.epochs) {
    const int64_t epoch = s.pos.epoch;
    s.loader->start_epoch(epoch, s.pos.next_batch);
    while (auto batch = s.loader->next()) {
      if (batch->batch_index >= batches) break;
      // The first two steps of a run make caches on the device and ZeRO-2's
      // agreed bucket order, and the third captures the CUDA graph (which
      // synchronises once): they may wait for the device.
      std::optional<DeviceSyncGuard> no_syncs;
      if (s.opts.forbid_device_syncs && !trace &&
          s.pos.step >= first_step + (s.graph ? CudaGraphStep::kDefaultWarmupSteps + 1 : 2))
        no_syncs.emplace(device);
      const auto seed = static_cast<uint64_t>(c.seed);
      data::Generator gen(data::mix_seed(seed, epoch, batch->batch_index, rank));
      torch::manual_seed(data::mix_seed(seed, epoch, batch->batch_index, rank ^ kTorchSeedStream));
      const auto on_device = upload({batch->images, batch->labels, batch->extra});
      batch->images = on_device[0], batch->labels = on_device[1], batch->extra = on_device[2];
      const std::vector<torch::Tensor> inputs = s.task->loss_inputs(*batch, gen);
      const int64_t images = batch->images.size(0);
      s.pos.next_batch = batch->batch_index + 1;
      std::optional<StepOutcome> replayed;  // the whole step, with TRAIN.CUDA_GRAPH
      if (s.graph) {
        replayed = s.graph->run(inputs, images);
      } else {
        std::optional<NonFiniteTraceScope> tracing;
        if (trace) tracing.emplace(*trace);
        torch::Tensor loss;
        {
          AutocastGuard autocast(c.amp_enable, device.type(), s.amp_dtype);
          loss = s.task->loss(inputs);
        }
        s.step->backward(loss, images, s.pos.next_batch % accum == 0);
      }
      if (s.pos.next_batch % accum != 0) continue;

      const StepOutcome outcome = replayed ? *replayed : s.step->update();
      // STOP_AT_NON_FINITE is a debugging mode: it reads the outcome of every
      // step, while the gradients that show where it went wrong are there.
      if (trace && outcome.found_inf.item<float>() != 0.0f)
        throw Error(fmt::format("step {}: {}; {} (TRAIN.STOP_AT_NON_FINITE)", s.pos.step + 1,
                                describe_non_finite(*s.module, outcome.loss_finite.item<bool>()),
                                trace->describe()));
      if (trace) trace->clear();
      if (!s.graph) s.step->clear();  // the graph zeroes its gradients in place
      if (s.ema) s.ema->update(*s.module);
      no_syncs.reset();
      ++s.pos.step;
      if (s.main()) {
        s.task->after_step(s.pos.step, run_dir_);
        s.log_pictures(s.pos.step);
      }
      const auto lrs = s.updater->group_lrs();
      const double lr = lrs.back();
      s.updater->set_lr(s.schedule->lr(s.pos.step));
      if (s.pos.next_batch >= batches) {
        s.pos.epoch = epoch + 1;
        s.pos.next_batch = 0;
      }
      stop = s.pos.step >= total_steps;
      const bool saving = !stop && c.train.save_steps > 0 && s.pos.step % c.train.save_steps == 0;

      // The device is read here only: on logging steps, and before a checkpoint.
      if (s.pos.step % c.print_freq == 0 || s.pos.step == total_steps) {
        const double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - window_start).count();
        const StepStatistics::Report r = s.step->statistics().take(*s.comm);
        stop_if_skipping(r);
        if (r.skipped > 0 && s.main())
          spdlog::warn(
              "steps {} to {}: {} skipped for a non-finite loss or gradients (loss scale {:g})",
              window_first_step, s.pos.step, r.skipped, s.scaler->current_scale());
        std::map<std::string, double> record{{"epoch", static_cast<double>(epoch)},
                                             {"step", static_cast<double>(s.pos.step)},
                                             {"loss", r.mean_loss},
                                             {"lr", lr},
                                             {"grad_norm", r.grad_norm},
                                             {"images_per_s", static_cast<double>(r.images) / secs},
                                             {"skipped", static_cast<double>(r.skipped)}};
        if (lrs.size() > 1)
          for (size_t g = 0; g < lrs.size(); ++g) record[fmt::format("lr_group_{}", g)] = lrs[g];
        if (s.main()) s.log("train", record);
        status = fmt::format("epoch {} loss {:.4f} lr {:.2e} {:.1f} img/s", epoch, r.mean_loss, lr,
                             static_cast<double>(r.images) / secs);
        window_start = std::chrono::steady_clock::now();
        window_first_step = s.pos.step + 1;
      } else if (saving) {
        stop_if_skipping(s.step->statistics().peek());
      }
      progress.update(s.pos.step, status);
      if (saving) save(false);
      if (stop) break;
    }
    if (s.pos.epoch > epoch) {
      end_of_epoch(epoch);
      const bool last = s.pos.epoch >= c.train.epochs;
      if (!last && !stop && c.save_freq > 0 && s.pos.epoch % c.save_freq == 0) save(true);
    } else {
      TORCH_INTERNAL_ASSERT(stop, "epoch ", epoch, " ended before its last step");
    }
  }
  progress.finish();
  if (s.pos.next_batch != 0) {
    end_of_epoch(s.pos.epoch);  // stopped mid-epoch by max_steps
  } else if (last_eval.empty()) {
    end_of_epoch(std::max<int64_t>(s.pos.epoch - 1, 0));  // resumed a finished run: report it
  }
  if (s.pos.step > first_step) save(true);
  if (s.main() && s.graph)
    spdlog::info("CUDA graph: {} steps replayed, {} run eagerly", s.graph->replayed_steps(),
                 s.graph->eager_steps());
  if (s.main())
    spdlog::info("done: {} steps in {}; checkpoints in {}", s.pos.step,
                 Progress::format_duration(progress.elapsed()), s.checkpoint_dir(run_dir_));
  return last_eval;
}

}  // namespace swinpp::train
