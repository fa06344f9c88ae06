#pragma once

#include <memory>
#include <string>

#include "swinpp/config/config.h"
#include "swinpp/data/loader.h"
#include "swinpp/model/swin_transformer_v2.h"

namespace swinpp::train {

/// Classification metrics over a whole evaluation set.
struct EvalResult {
  double loss = 0.0;  ///< mean cross-entropy
  double top1 = 0.0;  ///< accuracy in percent
  double top5 = 0.0;  ///< accuracy in percent
  int64_t samples = 0;
};

/// The evaluation loader of a configuration over `folder` (an ImageFolder):
/// resize int(256/224 S) + centre crop (or a direct resize when TEST.CROP is
/// false), in order, no padding of the last batch.
std::unique_ptr<data::Loader> make_eval_loader(const config::Config& config,
                                               const std::string& folder);

/// Runs `model` in eval mode over every batch of `loader` (epoch 0) and
/// restores its training mode afterwards.
EvalResult evaluate(SwinTransformerV2Impl& model, data::Loader& loader);

}  // namespace swinpp::train
