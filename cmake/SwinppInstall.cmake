include(CMakePackageConfigHelpers)
get_property(areas GLOBAL PROPERTY SWINPP_AREAS)
install(TARGETS swinpp ${areas} EXPORT swinppTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/swinpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT swinppTargets NAMESPACE swinpp:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/swinpp)
configure_package_config_file(cmake/swinppConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/swinppConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/swinpp)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/swinppConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/swinppConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/swinppConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/swinpp)
