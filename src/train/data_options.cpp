#include "swinpp/train/data_options.h"

#include "swinpp/data/random_erasing.h"
#include "swinpp/data/resample.h"

namespace swinpp::train {

data::LoaderOptions loader_options(const config::Config& c, int rank, int world_size,
                                   bool training) {
  data::LoaderOptions o;
  o.batch_size = static_cast<int>(c.data.batch_size);
  o.num_workers = static_cast<int>(c.data.num_workers);
  o.seed = static_cast<uint64_t>(c.seed);
  o.rank = rank;
  o.world_size = world_size;
  o.shuffle = training || c.test.shuffle;
  o.drop_last = training;
  o.pin_memory = c.data.pin_memory;
  if (training) o.shuffle_buffer = c.data.shuffle_buffer;
  return o;
}

data::EvalTransformOptions eval_transform_options(const config::Config& c) {
  data::EvalTransformOptions t;
  t.img_size = static_cast<int>(c.data.img_size);
  t.center_crop = c.test.crop;
  t.interpolation = data::parse_interpolation(c.data.interpolation);
  return t;
}

data::TrainTransformOptions train_transform_options(const config::Config& c) {
  data::TrainTransformOptions t;
  t.img_size = static_cast<int>(c.data.img_size);
  t.interpolation = data::parse_interpolation(c.data.interpolation);
  t.color_jitter = c.aug.color_jitter;
  t.auto_augment = c.aug.auto_augment;
  t.erasing.probability = c.aug.reprob;
  t.erasing.mode = data::parse_erasing_mode(c.aug.remode);
  t.erasing.max_count = static_cast<int>(c.aug.recount);
  return t;
}

}  // namespace swinpp::train
