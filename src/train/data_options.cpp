#include "swinpp/train/data_options.h"

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
  return o;
}

data::EvalTransformOptions eval_transform_options(const config::Config& c) {
  data::EvalTransformOptions t;
  t.img_size = static_cast<int>(c.data.img_size);
  t.center_crop = c.test.crop;
  t.interpolation = data::parse_interpolation(c.data.interpolation);
  return t;
}

}  // namespace swinpp::train
