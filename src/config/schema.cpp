#include "schema.h"

#include <algorithm>
#include <type_traits>
#include <utility>

namespace swinpp::config::detail {

namespace {

// A leaf bound to a member of Config: `access` returns a reference to it from
// a Config or a const Config, and decode/encode are chosen by its type.
template <typename Access>
Field bind(std::string key, Access access) {
  using Value = std::decay_t<decltype(access(std::declval<Config&>()))>;
  return Field{std::move(key),
               [access](Config& config, const YAML::Node& node, const ValueSource& source) {
                 Value value{};
                 decode(node, source, value);
                 access(config) = std::move(value);
               },
               [access](const Config& config) { return encode(access(config)); }};
}

#define SWINPP_CONFIG_FIELD(key, member) \
  bind(                                  \
      key, [](auto& config) -> auto& { return config.member; })

std::vector<Field> make_fields() {
  return {
      SWINPP_CONFIG_FIELD("DATA.BATCH_SIZE", data.batch_size),
      SWINPP_CONFIG_FIELD("DATA.DATA_PATH", data.data_path),
      SWINPP_CONFIG_FIELD("DATA.DATASET", data.dataset),
      SWINPP_CONFIG_FIELD("DATA.IMG_SIZE", data.img_size),
      SWINPP_CONFIG_FIELD("DATA.INTERPOLATION", data.interpolation),
      SWINPP_CONFIG_FIELD("DATA.PIN_MEMORY", data.pin_memory),
      SWINPP_CONFIG_FIELD("DATA.NUM_WORKERS", data.num_workers),
      SWINPP_CONFIG_FIELD("DATA.MASK_PATCH_SIZE", data.mask_patch_size),
      SWINPP_CONFIG_FIELD("DATA.MASK_RATIO", data.mask_ratio),
      SWINPP_CONFIG_FIELD("DATA.NUM_THREADS", data.num_threads),
      SWINPP_CONFIG_FIELD("DATA.SHUFFLE_BUFFER", data.shuffle_buffer),

      SWINPP_CONFIG_FIELD("MODEL.TYPE", model.type),
      SWINPP_CONFIG_FIELD("MODEL.NAME", model.name),
      SWINPP_CONFIG_FIELD("MODEL.PRETRAINED", model.pretrained),
      SWINPP_CONFIG_FIELD("MODEL.RESUME", model.resume),
      SWINPP_CONFIG_FIELD("MODEL.NUM_CLASSES", model.num_classes),
      SWINPP_CONFIG_FIELD("MODEL.DROP_RATE", model.drop_rate),
      SWINPP_CONFIG_FIELD("MODEL.DROP_PATH_RATE", model.drop_path_rate),
      SWINPP_CONFIG_FIELD("MODEL.LABEL_SMOOTHING", model.label_smoothing),
      SWINPP_CONFIG_FIELD("MODEL.SWINV2.PATCH_SIZE", model.swinv2.patch_size),
      SWINPP_CONFIG_FIELD("MODEL.SWINV2.IN_CHANS", model.swinv2.in_chans),
      SWINPP_CONFIG_FIELD("MODEL.SWINV2.EMBED_DIM", model.swinv2.embed_dim),
      SWINPP_CONFIG_FIELD("MODEL.SWINV2.DEPTHS", model.swinv2.depths),
      SWINPP_CONFIG_FIELD("MODEL.SWINV2.NUM_HEADS", model.swinv2.num_heads),
      SWINPP_CONFIG_FIELD("MODEL.SWINV2.WINDOW_SIZE", model.swinv2.window_size),
      SWINPP_CONFIG_FIELD("MODEL.SWINV2.MLP_RATIO", model.swinv2.mlp_ratio),
      SWINPP_CONFIG_FIELD("MODEL.SWINV2.QKV_BIAS", model.swinv2.qkv_bias),
      SWINPP_CONFIG_FIELD("MODEL.SWINV2.APE", model.swinv2.ape),
      SWINPP_CONFIG_FIELD("MODEL.SWINV2.PATCH_NORM", model.swinv2.patch_norm),
      SWINPP_CONFIG_FIELD("MODEL.SWINV2.PRETRAINED_WINDOW_SIZES",
                          model.swinv2.pretrained_window_sizes),
      SWINPP_CONFIG_FIELD("MODEL.SWINV2.EXTRA_NORM_PERIOD", model.swinv2.extra_norm_period),
      SWINPP_CONFIG_FIELD("MODEL.SWINV2.SEQUENTIAL_ATTENTION_WINDOWS",
                          model.swinv2.sequential_attention_windows),
      SWINPP_CONFIG_FIELD("MODEL.SIMMIM.NORM_TARGET.ENABLE", model.simmim.norm_target.enable),
      SWINPP_CONFIG_FIELD("MODEL.SIMMIM.NORM_TARGET.PATCH_SIZE",
                          model.simmim.norm_target.patch_size),

      SWINPP_CONFIG_FIELD("TRAIN.START_EPOCH", train.start_epoch),
      SWINPP_CONFIG_FIELD("TRAIN.EPOCHS", train.epochs),
      SWINPP_CONFIG_FIELD("TRAIN.WARMUP_EPOCHS", train.warmup_epochs),
      SWINPP_CONFIG_FIELD("TRAIN.WEIGHT_DECAY", train.weight_decay),
      SWINPP_CONFIG_FIELD("TRAIN.BASE_LR", train.base_lr),
      SWINPP_CONFIG_FIELD("TRAIN.WARMUP_LR", train.warmup_lr),
      SWINPP_CONFIG_FIELD("TRAIN.MIN_LR", train.min_lr),
      SWINPP_CONFIG_FIELD("TRAIN.CLIP_GRAD", train.clip_grad),
      SWINPP_CONFIG_FIELD("TRAIN.AUTO_RESUME", train.auto_resume),
      SWINPP_CONFIG_FIELD("TRAIN.ACCUMULATION_STEPS", train.accumulation_steps),
      SWINPP_CONFIG_FIELD("TRAIN.USE_CHECKPOINT", train.use_checkpoint),
      SWINPP_CONFIG_FIELD("TRAIN.LAYER_DECAY", train.layer_decay),
      SWINPP_CONFIG_FIELD("TRAIN.LR_SCHEDULER.NAME", train.lr_scheduler.name),
      SWINPP_CONFIG_FIELD("TRAIN.LR_SCHEDULER.DECAY_EPOCHS", train.lr_scheduler.decay_epochs),
      SWINPP_CONFIG_FIELD("TRAIN.LR_SCHEDULER.DECAY_RATE", train.lr_scheduler.decay_rate),
      SWINPP_CONFIG_FIELD("TRAIN.LR_SCHEDULER.WARMUP_PREFIX", train.lr_scheduler.warmup_prefix),
      SWINPP_CONFIG_FIELD("TRAIN.LR_SCHEDULER.GAMMA", train.lr_scheduler.gamma),
      SWINPP_CONFIG_FIELD("TRAIN.LR_SCHEDULER.MULTISTEPS", train.lr_scheduler.multisteps),
      SWINPP_CONFIG_FIELD("TRAIN.OPTIMIZER.NAME", train.optimizer.name),
      SWINPP_CONFIG_FIELD("TRAIN.OPTIMIZER.EPS", train.optimizer.eps),
      SWINPP_CONFIG_FIELD("TRAIN.OPTIMIZER.BETAS", train.optimizer.betas),
      SWINPP_CONFIG_FIELD("TRAIN.OPTIMIZER.MOMENTUM", train.optimizer.momentum),
      SWINPP_CONFIG_FIELD("TRAIN.SCALE_LR", train.scale_lr),
      SWINPP_CONFIG_FIELD("TRAIN.EMA.ENABLE", train.ema.enable),
      SWINPP_CONFIG_FIELD("TRAIN.EMA.DECAY", train.ema.decay),
      SWINPP_CONFIG_FIELD("TRAIN.CHECKPOINT_STAGES", train.checkpoint_stages),
      SWINPP_CONFIG_FIELD("TRAIN.SAVE_STEPS", train.save_steps),
      SWINPP_CONFIG_FIELD("TRAIN.PREVIEW_STEPS", train.preview_steps),
      SWINPP_CONFIG_FIELD("TRAIN.AMP_DTYPE", train.amp_dtype),
      SWINPP_CONFIG_FIELD("TRAIN.MAX_SKIPPED_STEPS", train.max_skipped_steps),
      SWINPP_CONFIG_FIELD("TRAIN.STOP_AT_NON_FINITE", train.stop_at_non_finite),
      SWINPP_CONFIG_FIELD("TRAIN.CUDA_GRAPH", train.cuda_graph),

      SWINPP_CONFIG_FIELD("AUG.COLOR_JITTER", aug.color_jitter),
      SWINPP_CONFIG_FIELD("AUG.AUTO_AUGMENT", aug.auto_augment),
      SWINPP_CONFIG_FIELD("AUG.REPROB", aug.reprob),
      SWINPP_CONFIG_FIELD("AUG.REMODE", aug.remode),
      SWINPP_CONFIG_FIELD("AUG.RECOUNT", aug.recount),
      SWINPP_CONFIG_FIELD("AUG.MIXUP", aug.mixup),
      SWINPP_CONFIG_FIELD("AUG.CUTMIX", aug.cutmix),
      SWINPP_CONFIG_FIELD("AUG.CUTMIX_MINMAX", aug.cutmix_minmax),
      SWINPP_CONFIG_FIELD("AUG.MIXUP_PROB", aug.mixup_prob),
      SWINPP_CONFIG_FIELD("AUG.MIXUP_SWITCH_PROB", aug.mixup_switch_prob),
      SWINPP_CONFIG_FIELD("AUG.MIXUP_MODE", aug.mixup_mode),

      SWINPP_CONFIG_FIELD("TEST.CROP", test.crop),
      SWINPP_CONFIG_FIELD("TEST.SEQUENTIAL", test.sequential),
      SWINPP_CONFIG_FIELD("TEST.SHUFFLE", test.shuffle),

      SWINPP_CONFIG_FIELD("DIST.BACKEND", dist.backend),
      SWINPP_CONFIG_FIELD("DIST.TIMEOUT_S", dist.timeout_s),
      SWINPP_CONFIG_FIELD("DIST.ZERO_STAGE", dist.zero_stage),

      SWINPP_CONFIG_FIELD("AMP_ENABLE", amp_enable),
      SWINPP_CONFIG_FIELD("OUTPUT", output),
      SWINPP_CONFIG_FIELD("TAG", tag),
      SWINPP_CONFIG_FIELD("SAVE_FREQ", save_freq),
      SWINPP_CONFIG_FIELD("PRINT_FREQ", print_freq),
      SWINPP_CONFIG_FIELD("SEED", seed),
      SWINPP_CONFIG_FIELD("EVAL_MODE", eval_mode),
      SWINPP_CONFIG_FIELD("THROUGHPUT_MODE", throughput_mode),
  };
}

#undef SWINPP_CONFIG_FIELD

}  // namespace

const Schema& Schema::instance() {
  static const Schema schema;
  return schema;
}

Schema::Schema() : fields_(make_fields()) {
  sections_.insert("");
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    const std::string& key = fields_[i].key;
    index_.emplace(key, i);
    for (auto dot = key.find('.'); dot != std::string::npos; dot = key.find('.', dot + 1)) {
      sections_.insert(key.substr(0, dot));
    }
  }
}

const Field* Schema::find(const std::string& key) const {
  const auto it = index_.find(key);
  return it == index_.end() ? nullptr : &fields_[it->second];
}

bool Schema::is_section(const std::string& key) const { return sections_.count(key) > 0; }

std::vector<std::string> Schema::children(const std::string& section) const {
  const std::string prefix = section.empty() ? "" : section + ".";
  std::vector<std::string> names;
  for (const Field& field : fields_) {
    if (field.key.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = field.key.substr(prefix.size());
    const std::string name = rest.substr(0, rest.find('.'));
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

}  // namespace swinpp::config::detail
