#include "swinpp/data/data_bench.h"

#include <chrono>
#include <cstdio>
#include <memory>

#include "swinpp/data/dataset.h"
#include "swinpp/data/loader.h"
#include "swinpp/data/train_transform.h"
#include "swinpp/util/error.h"

namespace swinpp::data {

std::string DataBenchResult::to_json() const {
  char text[320];
  std::snprintf(text, sizeof(text),
                "{\"pipeline\": \"swinpp\", \"workers\": %d, \"img_size\": %d, \"batch\": %d, "
                "\"batches\": %lld, \"images\": %lld, \"seconds\": %.3f, "
                "\"images_per_second\": %.1f, \"bad_samples\": %lld}",
                workers, img_size, batch, static_cast<long long>(batches),
                static_cast<long long>(images), seconds, images_per_second,
                static_cast<long long>(bad_samples));
  return text;
}

DataBenchResult bench_data(const std::string& dir, int workers, int img_size, int batch,
                           double seconds, int64_t max_batches, Interpolation interpolation) {
  if (seconds <= 0.0 && max_batches <= 0) {
    throw Error("data benchmark: expected seconds > 0 or max_batches > 0, found neither");
  }
  auto dataset = std::make_shared<const Dataset>(Dataset::open(dir, true));
  auto transform = std::make_shared<const TrainTransform>(
      TrainTransformOptions::crop_flip(img_size, interpolation));
  LoaderOptions options;
  options.batch_size = batch;
  options.num_workers = workers;
  Loader loader(dataset, transform, options);

  DataBenchResult result;
  result.workers = workers;
  result.img_size = img_size;
  result.batch = batch;
  using Clock = std::chrono::steady_clock;
  Clock::time_point start;
  bool warm = false;
  for (int64_t epoch = 0;; ++epoch) {
    loader.start_epoch(epoch);
    while (const auto next = loader.next()) {
      if (!warm) {
        warm = true;
        start = Clock::now();
        continue;
      }
      result.images += next->images.size(0);
      ++result.batches;
      result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
      if ((seconds > 0.0 && result.seconds >= seconds) ||
          (max_batches > 0 && result.batches >= max_batches)) {
        result.images_per_second = result.images / result.seconds;
        result.bad_samples = loader.bad_samples();
        return result;
      }
    }
  }
}

}  // namespace swinpp::data
