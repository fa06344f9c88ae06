# swinpp_area(NAME [INTERNAL] [DEPS targets...]): one static library per source
# area (src/NAME/*.cpp), linked into the aggregate swinpp::swinpp unless INTERNAL. Areas only link the
# areas below them, which keeps the layering of DESIGN.md checked by the linker.
# Every area reuses the precompiled torch header built once for swinpp_util.
function(swinpp_area name)
  cmake_parse_arguments(ARG "INTERNAL" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${name}/*.cpp)
  if(NOT sources)
    message(STATUS "swinpp: area ${name} has no sources yet")
    return()
  endif()
  set(target swinpp_${name})
  add_library(${target} STATIC ${sources})
  add_library(swinpp::${name} ALIAS ${target})
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(${target} PUBLIC torch ${ARG_DEPS})
  # Debian's fmt ahead of the wheel's (see SwinppDependencies.cmake), in this build only.
  target_include_directories(${target} BEFORE PUBLIC $<BUILD_INTERFACE:${SWINPP_FMT_FIRST}>)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  if(name STREQUAL "util")
    # The wheel's libtorch.so exports its own copies of std::filesystem
    # functions, which crash when called from outside it; naming libstdc++
    # ahead of LibTorch makes every program that links swinpp use the C++
    # runtime's own.
    target_link_options(${target} INTERFACE "LINKER:--push-state,--no-as-needed,-lstdc++,--pop-state")
  endif()
  swinpp_use_pch(${target})
  if(NOT ARG_INTERNAL)
    set_property(GLOBAL APPEND PROPERTY SWINPP_AREAS ${target})
  endif()
endfunction()

# Precompiled <torch/torch.h>: built for swinpp_util, reused everywhere else.
function(swinpp_use_pch target)
  if(target STREQUAL "swinpp_util")
    target_precompile_headers(${target} PRIVATE ${PROJECT_SOURCE_DIR}/src/pch.h)
  else()
    target_precompile_headers(${target} REUSE_FROM swinpp_util)
  endif()
endfunction()
