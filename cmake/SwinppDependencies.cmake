# Finds every dependency once. LibTorch comes from the PyTorch wheel in the
# project's .venv (tools/setup.sh), every other dependency from Debian packages.

# CUDA architectures (CMAKE_CUDA_ARCHITECTURES, Hopper by default). LibTorch's
# CMake files read them as TORCH_CUDA_ARCH_LIST ("9.0") and warn about, then
# clear, CMAKE_CUDA_ARCHITECTURES: hand them over and restore it afterwards.
if(NOT CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES 90)
endif()
set(swinpp_cuda_architectures ${CMAKE_CUDA_ARCHITECTURES})
if(NOT DEFINED TORCH_CUDA_ARCH_LIST AND NOT DEFINED ENV{TORCH_CUDA_ARCH_LIST})
  set(TORCH_CUDA_ARCH_LIST)
  foreach(arch ${swinpp_cuda_architectures})
    string(REGEX REPLACE "^([0-9]+)([0-9])([a-z]?)$" "\\1.\\2\\3" dotted ${arch})
    list(APPEND TORCH_CUDA_ARCH_LIST ${dotted})
  endforeach()
endif()
unset(CMAKE_CUDA_ARCHITECTURES)
unset(CMAKE_CUDA_ARCHITECTURES CACHE)
find_package(Torch REQUIRED)
set(CMAKE_CUDA_ARCHITECTURES ${swinpp_cuda_architectures} CACHE STRING "CUDA architectures" FORCE)
if(Torch_VERSION VERSION_LESS 2.11)
  message(FATAL_ERROR "swinpp needs LibTorch 2.11 or later, found ${Torch_VERSION} in ${Torch_DIR}")
endif()
find_package(Threads REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(PNG REQUIRED)
find_package(ZLIB REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(TURBOJPEG REQUIRED IMPORTED_TARGET libturbojpeg)
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)

# The PyTorch wheel carries headers of its own fmt (a newer major version than
# Debian's spdlog is built with) in the include directory every target sees.
# A folder holding only a link to Debian's fmt headers, searched first, makes
# <fmt/...> mean the fmt that spdlog and its library were built against.
get_target_property(fmt_include fmt::fmt INTERFACE_INCLUDE_DIRECTORIES)
if(NOT fmt_include)
  set(fmt_include /usr/include)
endif()
set(SWINPP_FMT_FIRST ${PROJECT_BINARY_DIR}/fmt-first)
file(MAKE_DIRECTORY ${SWINPP_FMT_FIRST})
file(CREATE_LINK ${fmt_include}/fmt ${SWINPP_FMT_FIRST}/fmt SYMBOLIC)

# The wheel's libtorch has Gloo built in but ships no Gloo headers: they come
# from Debian's libgloo-dev, unpacked by tools/setup.sh (third_party/README.md).
find_path(SWINPP_GLOO_INCLUDE gloo/rendezvous/store.h
  HINTS ${PROJECT_SOURCE_DIR}/.deps/gloo/include NO_DEFAULT_PATH)
if(NOT SWINPP_GLOO_INCLUDE)
  message(FATAL_ERROR "swinpp: no Gloo headers in ${PROJECT_SOURCE_DIR}/.deps/gloo/include; "
                      "run tools/setup.sh, or pass -DSWINPP_GLOO_INCLUDE=DIR")
endif()
file(READ ${SWINPP_GLOO_INCLUDE}/gloo/rendezvous/store.h gloo_store)
if(NOT gloo_store MATCHES "has_v2_support")
  message(FATAL_ERROR "swinpp: the Gloo headers in ${SWINPP_GLOO_INCLUDE} predate the store API "
                      "LibTorch ${Torch_VERSION} uses (has_v2_support); use Debian 13's libgloo-dev "
                      "(tools/setup.sh unpacks it)")
endif()

set(SWINPP_WITH_CUDA OFF)
if(TARGET torch_cuda)
  set(SWINPP_WITH_CUDA ON)
  # The wheel ships no nccl.h: the nvidia-nccl wheel beside it does.
  find_path(SWINPP_NCCL_INCLUDE nccl.h
    HINTS ${TORCH_INSTALL_PREFIX}/../nvidia/nccl/include ${CUDAToolkit_INCLUDE_DIRS}
          ENV NCCL_INCLUDE_DIR)
  if(NOT SWINPP_NCCL_INCLUDE)
    message(FATAL_ERROR "swinpp: LibTorch has CUDA but no nccl.h was found (set NCCL_INCLUDE_DIR)")
  endif()
endif()

# Binaries find LibTorch and the NVIDIA libraries of the wheel through their
# RPATH, in the build tree and once installed.
set(CMAKE_INSTALL_RPATH_USE_LINK_PATH ON)
file(GLOB nvidia_lib_dirs LIST_DIRECTORIES true "${TORCH_INSTALL_PREFIX}/../nvidia/*/lib")
set(CMAKE_BUILD_RPATH ${TORCH_INSTALL_PREFIX}/lib ${nvidia_lib_dirs})
set(CMAKE_INSTALL_RPATH ${TORCH_INSTALL_PREFIX}/lib ${nvidia_lib_dirs})
message(STATUS "swinpp: LibTorch ${Torch_VERSION} (${TORCH_INSTALL_PREFIX}), CUDA ${SWINPP_WITH_CUDA}, "
               "Gloo headers ${SWINPP_GLOO_INCLUDE}")
