#include "swinpp/config/validate.h"

#include <cstdint>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "swinpp/util/error.h"

namespace swinpp::config {

namespace {

// The number of stages a SwinV2 has (three patch mergings, encoder stride 32).
constexpr std::size_t kStages = 4;

[[noreturn]] void fail(const std::string& key, const std::string& expected,
                       const std::string& found) {
  throw Error("config key " + key + ": expected " + expected + ", found " + found);
}

template <typename T>
std::string text(const T& value) {
  std::ostringstream out;
  out << std::boolalpha << value;
  return out.str();
}

template <typename T>
std::string text(const std::vector<T>& values) {
  std::string result = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    result += (i ? ", " : "") + text(static_cast<T>(values[i]));
  }
  return result + "]";
}

void check_min(const std::string& key, double value, double min) {
  if (!(value >= min)) fail(key, "a value >= " + text(min), text(value));
}

void check_positive(const std::string& key, double value) {
  if (!(value > 0)) fail(key, "a value > 0", text(value));
}

// value in [low, high) or, with `closed`, [low, high].
void check_range(const std::string& key, double value, double low, double high, bool closed) {
  const bool inside = value >= low && (closed ? value <= high : value < high);
  if (!inside) {
    fail(key, "a value in [" + text(low) + ", " + text(high) + (closed ? "]" : ")"), text(value));
  }
}

void check_rate(const std::string& key, double value) { check_range(key, value, 0, 1, false); }

void check_probability(const std::string& key, double value) {
  check_range(key, value, 0, 1, true);
}

void check_one_of(const std::string& key, const std::string& value,
                  std::initializer_list<const char*> allowed) {
  std::string names;
  for (const char* name : allowed) {
    if (value == name) return;
    names += (names.empty() ? "" : ", ") + std::string(name);
  }
  fail(key, "one of " + names, "'" + value + "'");
}

void validate_data(const DataConfig& data) {
  check_positive("DATA.BATCH_SIZE", data.batch_size);
  check_positive("DATA.IMG_SIZE", data.img_size);
  check_one_of("DATA.INTERPOLATION", data.interpolation, {"bicubic", "bilinear", "nearest"});
  check_min("DATA.NUM_WORKERS", data.num_workers, 0);
  check_min("DATA.SHUFFLE_BUFFER", data.shuffle_buffer, 0);
  check_positive("DATA.MASK_PATCH_SIZE", data.mask_patch_size);
  check_rate("DATA.MASK_RATIO", data.mask_ratio);
  check_min("DATA.NUM_THREADS", data.num_threads, 0);
}

void validate_stage_lists(const SwinV2Config& swin) {
  const auto& depths = swin.depths;
  if (depths.size() != kStages) {
    fail("MODEL.SWINV2.DEPTHS", "a list of " + text(kStages) + " stage depths", text(depths));
  }
  for (const int64_t depth : depths) check_positive("MODEL.SWINV2.DEPTHS", depth);
  if (swin.num_heads.size() != depths.size()) {
    fail("MODEL.SWINV2.NUM_HEADS", "one head count per stage (" + text(depths.size()) + ")",
         text(swin.num_heads));
  }
  for (std::size_t i = 0; i < depths.size(); ++i) {
    const int64_t heads = swin.num_heads[i];
    const int64_t channels = swin.embed_dim << i;
    if (heads <= 0 || channels % heads != 0) {
      fail("MODEL.SWINV2.NUM_HEADS",
           "stage " + text(i) + " heads dividing its " + text(channels) +
               " channels (EMBED_DIM * 2^" + text(i) + ")",
           text(heads));
    }
  }
  const auto& pretrained = swin.pretrained_window_sizes;
  if (pretrained.size() != depths.size()) {
    fail("MODEL.SWINV2.PRETRAINED_WINDOW_SIZES",
         "one window size per stage (" + text(depths.size()) + ")", text(pretrained));
  }
  for (const int64_t size : pretrained) {
    check_min("MODEL.SWINV2.PRETRAINED_WINDOW_SIZES", static_cast<double>(size), 0);
  }
}

void validate_model(const ModelConfig& model, const DataConfig& data) {
  check_one_of("MODEL.TYPE", model.type, {"swinv2"});
  check_positive("MODEL.NUM_CLASSES", model.num_classes);
  check_rate("MODEL.DROP_RATE", model.drop_rate);
  check_rate("MODEL.DROP_PATH_RATE", model.drop_path_rate);
  check_rate("MODEL.LABEL_SMOOTHING", model.label_smoothing);

  const SwinV2Config& swin = model.swinv2;
  check_positive("MODEL.SWINV2.PATCH_SIZE", swin.patch_size);
  check_positive("MODEL.SWINV2.IN_CHANS", swin.in_chans);
  check_positive("MODEL.SWINV2.EMBED_DIM", swin.embed_dim);
  check_positive("MODEL.SWINV2.WINDOW_SIZE", swin.window_size);
  check_positive("MODEL.SWINV2.MLP_RATIO", swin.mlp_ratio);
  check_min("MODEL.SWINV2.EXTRA_NORM_PERIOD", swin.extra_norm_period, 0);
  check_min("MODEL.SWINV2.SEQUENTIAL_ATTENTION_WINDOWS", swin.sequential_attention_windows, 0);
  validate_stage_lists(swin);

  if (data.img_size % swin.patch_size != 0) {
    fail("DATA.IMG_SIZE", "a multiple of MODEL.SWINV2.PATCH_SIZE (" + text(swin.patch_size) + ")",
         text(data.img_size));
  }
  const int64_t grid = data.img_size / swin.patch_size;
  const int64_t merges = int64_t{1} << (swin.depths.size() - 1);
  if (grid % merges != 0) {
    fail("DATA.IMG_SIZE",
         "a token grid (IMG_SIZE / PATCH_SIZE = " + text(grid) + ") divisible by " + text(merges) +
             " for the patch mergings",
         text(data.img_size));
  }

  const NormTargetConfig& norm_target = model.simmim.norm_target;
  if (norm_target.patch_size <= 0 || norm_target.patch_size % 2 == 0) {
    fail("MODEL.SIMMIM.NORM_TARGET.PATCH_SIZE", "an odd size > 0", text(norm_target.patch_size));
  }
}

void validate_schedule(const TrainConfig& train) {
  const LrSchedulerConfig& scheduler = train.lr_scheduler;
  check_one_of("TRAIN.LR_SCHEDULER.NAME", scheduler.name,
               {"cosine", "linear", "step", "multistep"});
  check_positive("TRAIN.LR_SCHEDULER.DECAY_EPOCHS", scheduler.decay_epochs);
  check_positive("TRAIN.LR_SCHEDULER.DECAY_RATE", scheduler.decay_rate);
  check_positive("TRAIN.LR_SCHEDULER.GAMMA", scheduler.gamma);
  for (std::size_t i = 0; i < scheduler.multisteps.size(); ++i) {
    const bool increasing = i == 0 || scheduler.multisteps[i] > scheduler.multisteps[i - 1];
    if (scheduler.multisteps[i] < 0 || !increasing) {
      fail("TRAIN.LR_SCHEDULER.MULTISTEPS", "increasing epochs >= 0", text(scheduler.multisteps));
    }
  }

  const OptimizerConfig& optimizer = train.optimizer;
  check_one_of("TRAIN.OPTIMIZER.NAME", optimizer.name, {"adamw", "sgd"});
  check_positive("TRAIN.OPTIMIZER.EPS", optimizer.eps);
  check_rate("TRAIN.OPTIMIZER.BETAS", optimizer.betas[0]);
  check_rate("TRAIN.OPTIMIZER.BETAS", optimizer.betas[1]);
  check_rate("TRAIN.OPTIMIZER.MOMENTUM", optimizer.momentum);
}

void validate_train(const TrainConfig& train, std::size_t stages) {
  check_min("TRAIN.START_EPOCH", train.start_epoch, 0);
  check_positive("TRAIN.EPOCHS", train.epochs);
  check_min("TRAIN.WARMUP_EPOCHS", train.warmup_epochs, 0);
  check_min("TRAIN.WEIGHT_DECAY", train.weight_decay, 0);
  check_positive("TRAIN.BASE_LR", train.base_lr);
  check_min("TRAIN.WARMUP_LR", train.warmup_lr, 0);
  check_min("TRAIN.MIN_LR", train.min_lr, 0);
  check_min("TRAIN.CLIP_GRAD", train.clip_grad, 0);
  check_min("TRAIN.ACCUMULATION_STEPS", train.accumulation_steps, 1);
  if (!(train.layer_decay > 0 && train.layer_decay <= 1)) {
    fail("TRAIN.LAYER_DECAY", "a value in (0, 1]", text(train.layer_decay));
  }
  validate_schedule(train);
  check_rate("TRAIN.EMA.DECAY", train.ema.decay);
  if (train.checkpoint_stages.size() != stages) {
    fail("TRAIN.CHECKPOINT_STAGES", "one flag per stage (" + text(stages) + ")",
         text(train.checkpoint_stages));
  }
  check_min("TRAIN.SAVE_STEPS", train.save_steps, 0);
  check_min("TRAIN.PREVIEW_STEPS", train.preview_steps, 0);
  check_one_of("TRAIN.AMP_DTYPE", train.amp_dtype, {"bfloat16", "float16"});
  check_min("TRAIN.MAX_SKIPPED_STEPS", train.max_skipped_steps, 1);
}

void validate_aug(const AugConfig& aug) {
  check_min("AUG.COLOR_JITTER", aug.color_jitter, 0);
  check_probability("AUG.REPROB", aug.reprob);
  check_one_of("AUG.REMODE", aug.remode, {"const", "rand", "pixel"});
  check_min("AUG.RECOUNT", aug.recount, 1);
  check_min("AUG.MIXUP", aug.mixup, 0);
  check_min("AUG.CUTMIX", aug.cutmix, 0);
  if (aug.cutmix_minmax) {
    const auto [low, high] = *aug.cutmix_minmax;
    if (!(low >= 0 && low <= high && high <= 1)) {
      fail("AUG.CUTMIX_MINMAX", "null or [min, max] with 0 <= min <= max <= 1",
           "[" + text(low) + ", " + text(high) + "]");
    }
  }
  check_probability("AUG.MIXUP_PROB", aug.mixup_prob);
  check_probability("AUG.MIXUP_SWITCH_PROB", aug.mixup_switch_prob);
  check_one_of("AUG.MIXUP_MODE", aug.mixup_mode, {"batch", "pair", "elem"});
}

void validate_run(const Config& config) {
  check_one_of("DIST.BACKEND", config.dist.backend, {"auto", "gloo", "nccl", "single"});
  check_positive("DIST.TIMEOUT_S", config.dist.timeout_s);
  if (config.dist.zero_stage < 0 || config.dist.zero_stage > 2) {
    fail("DIST.ZERO_STAGE", "0, 1 or 2", text(config.dist.zero_stage));
  }
  check_positive("SAVE_FREQ", config.save_freq);
  check_positive("PRINT_FREQ", config.print_freq);
}

}  // namespace

void validate(const Config& config) {
  validate_data(config.data);
  validate_model(config.model, config.data);
  validate_train(config.train, config.model.swinv2.depths.size());
  validate_aug(config.aug);
  validate_run(config);
}

void validate_for_simmim(const Config& config) {
  const int64_t patch = config.model.swinv2.patch_size;
  const int64_t mask_patch = config.data.mask_patch_size;
  if (mask_patch <= 0 || mask_patch % patch != 0) {
    fail("DATA.MASK_PATCH_SIZE", "a multiple of MODEL.SWINV2.PATCH_SIZE (" + text(patch) + ")",
         text(mask_patch));
  }
  if (config.data.img_size % mask_patch != 0) {
    fail("DATA.IMG_SIZE", "a multiple of DATA.MASK_PATCH_SIZE (" + text(mask_patch) + ")",
         text(config.data.img_size));
  }
}

}  // namespace swinpp::config
