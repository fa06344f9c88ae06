#pragma once

#include "swinpp/config/config.h"
#include "swinpp/data/eval_transform.h"
#include "swinpp/data/loader.h"
#include "swinpp/data/train_transform.h"

namespace swinpp::train {

/// Loader settings of a configuration (DATA.BATCH_SIZE, NUM_WORKERS, PIN_MEMORY,
/// SEED) for one rank. Training loaders shuffle and drop the last partial batch;
/// evaluation loaders keep every sample in order (unless TEST.SHUFFLE).
data::LoaderOptions loader_options(const config::Config& config, int rank, int world_size,
                                   bool training);

/// The evaluation transform of a configuration (DATA.IMG_SIZE, TEST.CROP,
/// DATA.INTERPOLATION).
data::EvalTransformOptions eval_transform_options(const config::Config& config);

/// The fine-tuning transform of a configuration (DATA.IMG_SIZE, DATA.INTERPOLATION,
/// AUG.COLOR_JITTER, AUG.AUTO_AUGMENT, AUG.REPROB, AUG.REMODE, AUG.RECOUNT).
data::TrainTransformOptions train_transform_options(const config::Config& config);

}  // namespace swinpp::train
