#pragma once

#include <memory>
#include <string>

#include "swinpp/config/config.h"
#include "swinpp/data/loader.h"
#include "swinpp/dist/communicator.h"
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
/// false), no padding of the last batch; rank `rank` of `world_size` reads
/// every world_size-th image.
std::unique_ptr<data::Loader> make_eval_loader(const config::Config& config,
                                               const std::string& folder, int rank = 0,
                                               int world_size = 1);

/// Runs `model` in eval mode over every batch of `loader` (epoch 0) and
/// restores its training mode afterwards. With `communicator`, every rank
/// evaluates the shard its loader reads (made for its rank and the world
/// size) and the result covers the whole set: the images a shard repeats to
/// even out the ranks are not counted, and the sums are all-reduced.
EvalResult evaluate(SwinTransformerV2Impl& model, data::Loader& loader,
                    dist::Communicator* communicator = nullptr);

}  // namespace swinpp::train
