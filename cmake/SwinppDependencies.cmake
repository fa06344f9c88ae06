# Finds every dependency once. All come from Debian packages or, on a GPU host,
# from the PyTorch wheel (see README, "Building on a GPU host").
find_package(Torch REQUIRED)
find_package(Threads REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(PNG REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(TURBOJPEG REQUIRED IMPORTED_TARGET libturbojpeg)

# Gloo is built into Debian's libtorch; its headers come from libgloo-dev.
# The PyTorch wheel ships no Gloo headers, so the Gloo backend is optional.
find_path(SWINPP_GLOO_INCLUDE gloo/config.h)
if(SWINPP_GLOO_INCLUDE AND EXISTS "${TORCH_INSTALL_PREFIX}/include/torch/csrc/distributed/c10d/ProcessGroupGloo.hpp")
  set(SWINPP_HAVE_GLOO ON)
else()
  set(SWINPP_HAVE_GLOO OFF)
endif()

if(SWINPP_CUDA STREQUAL "AUTO")
  if(TARGET torch_cuda)
    set(SWINPP_WITH_CUDA ON)
  else()
    set(SWINPP_WITH_CUDA OFF)
  endif()
else()
  set(SWINPP_WITH_CUDA ${SWINPP_CUDA})
endif()
message(STATUS "swinpp: torch ${Torch_VERSION}, CUDA ${SWINPP_WITH_CUDA}, Gloo ${SWINPP_HAVE_GLOO}")
