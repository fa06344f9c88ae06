#pragma once

#include <cstdint>
#include <string>
#include <tuple>

#include "swinpp/config/aug_config.h"
#include "swinpp/config/data_config.h"
#include "swinpp/config/dist_config.h"
#include "swinpp/config/model_config.h"
#include "swinpp/config/test_config.h"
#include "swinpp/config/train_config.h"

/// The typed configuration: the official SwinV2/SimMIM YAML schema
/// (microsoft/Swin-Transformer config.py), one struct per section, with the
/// official defaults. A default-constructed Config is the official default config.
///
/// swinpp adds these keys (marked "(swinpp)" on their fields); each default keeps
/// the official behaviour:
///   MODEL.SWINV2.EXTRA_NORM_PERIOD         0      extra main-branch LayerNorm every N
///                                                 blocks (paper's H/G: 6)
///   MODEL.SWINV2.SEQUENTIAL_ATTENTION_WINDOWS 0   windows attended at a time (0 = all)
///   DATA.NUM_THREADS                       0      intra-op threads (0 = every core)
///   DATA.SHUFFLE_BUFFER                    0      WebDataset shard order with an N-sample
///                                                 buffer per rank (0 = sample as a whole)
///   TRAIN.SCALE_LR                         true   linear LR scaling by total batch / 512
///   TRAIN.EMA.{ENABLE, DECAY}              false, 0.9999
///   TRAIN.CHECKPOINT_STAGES                [USE_CHECKPOINT] * stages
///   TRAIN.SAVE_STEPS                       0      checkpoint every N steps (0 = off)
///   TRAIN.AMP_DTYPE                        bfloat16 (or float16)
///   TRAIN.MAX_SKIPPED_STEPS                10     stop after N consecutive non-finite steps
///   TRAIN.STOP_AT_NON_FINITE               false  stop at the first non-finite step
///   TRAIN.CUDA_GRAPH                       false  replay the step as one CUDA graph
///   DIST.{BACKEND, TIMEOUT_S, ZERO_STAGE}  auto, 1800, 0
namespace swinpp::config {

/// The whole configuration of one run.
struct Config {
  /// DATA.
  DataConfig data;
  /// MODEL.
  ModelConfig model;
  /// TRAIN.
  TrainConfig train;
  /// AUG.
  AugConfig aug;
  /// TEST.
  TestConfig test;
  /// DIST (swinpp).
  DistConfig dist;
  /// AMP_ENABLE: automatic mixed precision (of TRAIN.AMP_DTYPE) on CUDA.
  bool amp_enable = true;
  /// OUTPUT: root of the output folders; a run writes to OUTPUT/MODEL.NAME/TAG.
  std::string output = "output";
  /// TAG: experiment tag, the last output folder level.
  std::string tag = "default";
  /// SAVE_FREQ: save a checkpoint every N epochs (and after the last).
  int64_t save_freq = 1;
  /// PRINT_FREQ: log every N steps.
  int64_t print_freq = 10;
  /// SEED: random seed (offset by rank for augmentation and masks).
  int64_t seed = 0;
  /// EVAL_MODE: evaluate only.
  bool eval_mode = false;
  /// THROUGHPUT_MODE: measure throughput only.
  bool throughput_mode = false;

  /// Every field, for comparisons.
  auto fields() const {
    return std::tie(data, model, train, aug, test, dist, amp_enable, output, tag, save_freq,
                    print_freq, seed, eval_mode, throughput_mode);
  }
};

/// True when every field is equal.
inline bool operator==(const Config& a, const Config& b) { return a.fields() == b.fields(); }
/// True when any field differs.
inline bool operator!=(const Config& a, const Config& b) { return !(a == b); }

}  // namespace swinpp::config
