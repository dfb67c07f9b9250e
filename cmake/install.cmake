include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Header-only and architecture-independent: the package files go under share/.
set(synack_cmake_dir "${CMAKE_INSTALL_DATADIR}/cmake/synack")

install(TARGETS synack EXPORT synackTargets FILE_SET HEADERS)
install(EXPORT synackTargets NAMESPACE synack:: DESTINATION "${synack_cmake_dir}")

configure_package_config_file(
    "${PROJECT_SOURCE_DIR}/cmake/synackConfig.cmake.in"
    "${PROJECT_BINARY_DIR}/synackConfig.cmake"
    INSTALL_DESTINATION "${synack_cmake_dir}")
write_basic_package_version_file(
    "${PROJECT_BINARY_DIR}/synackConfigVersion.cmake"
    COMPATIBILITY SameMinorVersion # 0.x: minor versions may break
    ARCH_INDEPENDENT)
install(FILES
    "${PROJECT_BINARY_DIR}/synackConfig.cmake"
    "${PROJECT_BINARY_DIR}/synackConfigVersion.cmake"
    DESTINATION "${synack_cmake_dir}")

# pkg-config, for builds that do not use CMake.
configure_file("${PROJECT_SOURCE_DIR}/cmake/synack.pc.in" "${PROJECT_BINARY_DIR}/synack.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/synack.pc" DESTINATION "${CMAKE_INSTALL_DATADIR}/pkgconfig")
