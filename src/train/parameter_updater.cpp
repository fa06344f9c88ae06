#include "swinpp/train/parameter_updater.h"

#include <torch/serialize.h>
#include <torch/torch.h>

#include <filesystem>
#include <optional>

#include "swinpp/dist/gradient_reducer.h"
#include "swinpp/dist/zero_optimizer.h"
#include "swinpp/io/archive_file.h"
#include "swinpp/optim/grad_clip.h"
#include "swinpp/train/adamw_state.h"
#include "swinpp/util/error.h"

namespace swinpp::train {
namespace {

namespace fs = std::filesystem;

constexpr const char* kReplicatedFile = "optimizer.pt";
constexpr const char* kShardDir = "optimizer";

/// The whole AdamW state saved in checkpoint folder `dir`, from ZeRO shards
/// (any world size) or from one file; nullopt when the folder holds a
/// non-AdamW state.
std::optional<dist::ZeroState> saved_adamw_state(const fs::path& dir) {
  if (fs::exists(dir / kShardDir / dist::kZeroCompletionMarker))
    return dist::consolidate_zero_shards((dir / kShardDir).string());
  const auto file = (dir / kReplicatedFile).string();
  if (!fs::exists(file))
    throw Error("checkpoint '" + dir.string() + "' has no optimizer state (neither " +
                kReplicatedFile + " nor " + kShardDir + "/" + dist::kZeroCompletionMarker + ")");
  return dist::load_zero_state(file);
}

/// Every rank holds the whole optimizer; gradients are averaged by a
/// GradientReducer when there is more than one rank.
class ReplicatedUpdater : public ParameterUpdater {
 public:
  ReplicatedUpdater(std::vector<optim::ParamGroup> groups, const optim::OptimizerOptions& options,
                    std::shared_ptr<dist::Communicator> comm)
      : optimizer_(std::move(groups), options),
        params_(optimizer_.parameters()),
        comm_(std::move(comm)) {
    if (comm_->world_size() > 1)
      reducer_ = std::make_unique<dist::GradientReducer>(params_, *comm_);
  }

  const std::vector<torch::Tensor>& parameters() const override { return params_; }
  void prepare_backward(bool last_micro_step) override {
    if (reducer_) reducer_->set_sync(last_micro_step);
  }
  void finish_backward() override {
    if (reducer_) reducer_->finalize();
  }
  std::vector<torch::Tensor> gradients() const override {
    std::vector<torch::Tensor> grads;
    for (const auto& param : params_)
      if (param.grad().defined()) grads.push_back(param.grad());
    return grads;
  }
  MemoryUse memory_use() const override {
    MemoryUse use;
    if (reducer_) {
      use.gradients = reducer_->buffer_bytes();  // .grad are views into its buckets
    } else {
      for (const auto& grad : gradients())
        use.gradients += grad.numel() * static_cast<int64_t>(grad.element_size());
    }
    use.optimizer_state = optimizer_.state_bytes();
    return use;
  }
  torch::Tensor clip_grad_norm(double max_norm, torch::Tensor& found_inf) override {
    if (comm_->world_size() > 1) comm_->all_reduce_max(found_inf);
    return optim::clip_grad_norm(params_, max_norm);
  }
  void step(const torch::Tensor& found_inf) override { optimizer_.step(found_inf); }
  void zero_grad() override {
    if (reducer_)
      reducer_->zero_grad();  // .grad stay views into the reducer's buckets
    else
      optimizer_.zero_grad();
  }
  void set_lr(double base_lr) override { optimizer_.set_lr(base_lr); }
  std::vector<double> group_lrs() const override {
    std::vector<double> lrs;
    for (size_t i = 0; i < optimizer_.groups().size(); ++i) lrs.push_back(optimizer_.group_lr(i));
    return lrs;
  }

  void save(const std::string& dir) override {
    if (comm_->rank() != 0) return;
    const auto file = (fs::path(dir) / kReplicatedFile).string();
    if (optimizer_.options().kind == optim::OptimizerKind::kAdamW) {
      dist::save_zero_state(adamw_state_of(optimizer_), file);
    } else {
      torch::serialize::OutputArchive archive;
      optimizer_.save(archive);
      io::save_archive(archive, file);
    }
  }

  void load(const std::string& dir) override {
    if (auto state = saved_adamw_state(dir)) {
      load_adamw_state(optimizer_, *state);
      return;
    }
    torch::serialize::InputArchive archive;
    archive.load_from((fs::path(dir) / kReplicatedFile).string());
    optimizer_.load(archive);
  }

 private:
  optim::Optimizer optimizer_;
  std::vector<torch::Tensor> params_;
  std::shared_ptr<dist::Communicator> comm_;
  std::unique_ptr<dist::GradientReducer> reducer_;
};

std::vector<dist::ZeroParamGroup> zero_groups(const std::vector<optim::ParamGroup>& groups) {
  std::vector<dist::ZeroParamGroup> out;
  for (const auto& g : groups) out.push_back({g.params, g.lr_scale, g.weight_decay});
  return out;
}

dist::ZeroOptions zero_options(const optim::OptimizerOptions& options, int stage,
                               const std::vector<torch::Tensor>& registration_order) {
  dist::ZeroOptions o;
  o.stage = stage;
  o.lr = options.base_lr;
  o.beta1 = options.betas[0];
  o.beta2 = options.betas[1];
  o.eps = options.eps;
  o.gradient_order.assign(registration_order.rbegin(), registration_order.rend());
  return o;
}

std::vector<double> lr_scales_of(const std::vector<optim::ParamGroup>& groups) {
  std::vector<double> scales;
  for (const auto& g : groups) scales.push_back(g.lr_scale);
  return scales;
}

/// ZeroAdamW: the AdamW state sharded across ranks.
class ShardedUpdater : public ParameterUpdater {
 public:
  ShardedUpdater(const std::vector<optim::ParamGroup>& groups,
                 const optim::OptimizerOptions& options, int stage,
                 std::shared_ptr<dist::Communicator> comm,
                 const std::vector<torch::Tensor>& registration_order)
      : comm_(std::move(comm)),
        lr_scales_(lr_scales_of(groups)),
        zero_(zero_groups(groups), *comm_, zero_options(options, stage, registration_order)) {}

  const std::vector<torch::Tensor>& parameters() const override { return zero_.parameters(); }
  void prepare_backward(bool last_micro_step) override { zero_.prepare_backward(last_micro_step); }
  void finish_backward() override { zero_.finish_backward(); }
  std::vector<torch::Tensor> gradients() const override { return zero_.gradients(); }
  MemoryUse memory_use() const override {
    return {zero_.gradient_bytes(), zero_.state_bytes(), zero_.bucket_peak_bytes()};
  }
  torch::Tensor clip_grad_norm(double max_norm, torch::Tensor& found_inf) override {
    return zero_.clip_grad_norm(max_norm, found_inf);
  }
  void step(const torch::Tensor& found_inf) override { zero_.step(found_inf); }
  void zero_grad() override { zero_.zero_grad(); }
  void set_lr(double base_lr) override { zero_.set_lr(base_lr); }
  std::vector<double> group_lrs() const override {
    std::vector<double> lrs;
    for (const double scale : lr_scales_) lrs.push_back(zero_.lr() * scale);
    return lrs;
  }

  void save(const std::string& dir) override {
    zero_.save_shard((fs::path(dir) / kShardDir).string());
  }
  void load(const std::string& dir) override {
    auto state = saved_adamw_state(dir);
    if (!state)
      throw Error("checkpoint '" + dir + "' holds an SGD optimizer state; DIST.ZERO_STAGE " +
                  "1 and 2 resume AdamW states only");
    zero_.load_state(*state);
  }

 private:
  std::shared_ptr<dist::Communicator> comm_;
  std::vector<double> lr_scales_;
  dist::ZeroAdamW zero_;
};

}  // namespace

void consolidate_optimizer_shards(const std::string& dir) {
  const fs::path shards = fs::path(dir) / kShardDir;
  if (!fs::exists(shards / dist::kZeroCompletionMarker))
    throw Error("'" + dir + "' holds no complete set of ZeRO optimizer shards (" +
                (shards / dist::kZeroCompletionMarker).string() + " is missing)");
  dist::save_zero_state(dist::consolidate_zero_shards(shards.string()),
                        (fs::path(dir) / kReplicatedFile).string());
  fs::remove_all(shards);
}

std::unique_ptr<ParameterUpdater> make_parameter_updater(
    std::vector<optim::ParamGroup> groups, const optim::OptimizerOptions& options, int zero_stage,
    std::shared_ptr<dist::Communicator> communicator,
    const std::vector<torch::Tensor>& registration_order) {
  if (zero_stage == 0)
    return std::make_unique<ReplicatedUpdater>(std::move(groups), options, std::move(communicator));
  if (options.kind != optim::OptimizerKind::kAdamW)
    throw Error("DIST.ZERO_STAGE " + std::to_string(zero_stage) +
                " shards AdamW only; TRAIN.OPTIMIZER.NAME is sgd");
  if (groups.empty()) throw Error("optimizer: expected at least one parameter group, found none");
  return std::make_unique<ShardedUpdater>(groups, options, zero_stage, std::move(communicator),
                                          registration_order);
}

}  // namespace swinpp::train
