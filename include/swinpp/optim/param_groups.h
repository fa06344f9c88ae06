#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace torch::nn {
class Module;
}  // namespace torch::nn

namespace swinpp::optim {

/// Parameters with their dotted names, in registration order, as
/// `torch::nn::Module::named_parameters()` lists them.
using NamedParameters = std::vector<std::pair<std::string, torch::Tensor>>;

/// How parameters are split into optimizer groups.
struct ParamGroupOptions {
  /// Weight decay of the groups that decay (TRAIN.WEIGHT_DECAY).
  double weight_decay = 0.05;
  /// Layer-wise learning-rate decay (TRAIN.LAYER_DECAY); 1 turns it off.
  double layer_decay = 1.0;
  /// Blocks per stage (MODEL.SWINV2.DEPTHS); needed when layer_decay != 1.
  std::vector<int64_t> depths;
};

/// One optimizer parameter group: its parameters, their names, the weight
/// decay and the factor applied to the base learning rate.
struct ParamGroup {
  /// "decay" / "no_decay", or "layer_<id>_decay" / "layer_<id>_no_decay".
  std::string name;
  double weight_decay = 0.0;
  double lr_scale = 1.0;
  std::vector<std::string> param_names;
  std::vector<torch::Tensor> params;
};

/// True when `name` takes no weight decay: 1-D tensors, names ending in
/// `.bias`, names whose last component is `absolute_pos_embed` or
/// `mask_token`, and names containing `cpb_mlp`, `logit_scale` or
/// `relative_position_bias_table` (at any nesting depth, e.g. under `encoder.`).
bool excluded_from_weight_decay(const std::string& name, const torch::Tensor& param);

/// Layer id of a SwinV2 parameter for layer-wise LR decay (official ids), after
/// stripping an `encoder.` prefix. With L = sum(depths):
/// `mask_token`, `patch_embed.*` -> 0; `layers.i.blocks.j.*` ->
/// sum(depths[:i]) + j + 1; `layers.i.downsample.*` -> sum(depths[:i+1]);
/// anything else (final `norm`, `head`, SimMIM `decoder`) -> L + 1.
/// Throws swinpp::Error for a stage or block index outside `depths`.
int64_t swin_layer_id(const std::string& name, const std::vector<int64_t>& depths);

/// Splits the trainable parameters (requires_grad) into groups.
///
/// Without layer decay (layer_decay == 1) there are at most two groups,
/// "decay" and "no_decay", both with lr_scale 1. With layer decay the groups
/// split by (layer id, decay) and lr_scale = layer_decay^(L + 1 - id).
/// Groups appear in the order of their first parameter; empty groups are
/// omitted. Throws swinpp::Error on duplicate names, undefined tensors, or a
/// layer decay without depths.
std::vector<ParamGroup> build_param_groups(const NamedParameters& named,
                                           const ParamGroupOptions& options);

/// The named parameters of `module` (recursively), ready for build_param_groups.
NamedParameters named_parameters_of(const torch::nn::Module& module);

}  // namespace swinpp::optim
