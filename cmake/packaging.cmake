# Install rules, the CMake package, the pkg-config file and the Debian
# package (cpack -G DEB from the build directory). Included last by the top
# CMakeLists.txt, so every target exists here.
#
#   cmake --install build --prefix P     bin/intentd, bin/intentctl,
#                                        lib/libintentd.so*, include/intentd/,
#                                        lib/cmake/intentd/, lib/pkgconfig/
#   (cd build && cpack -G DEB)           intentd_<version>_<arch>.deb: the same
#                                        under /usr, plus /etc/intentd/intentd.yaml
#                                        and /lib/systemd/system/intentd.service
#
# The internal static libraries are linked into the executables and into
# libintentd.so; none of them is installed.

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Components: runtime (executables, the shared library), development
# (headers, namelink, CMake package, pkg-config file) and service (the
# config in /etc and the systemd unit). service has absolute destinations
# and is EXCLUDE_FROM_ALL: a plain `cmake --install` into a prefix never
# writes to /etc or /lib/systemd; the Debian package holds all three, and
# `cmake --install build --component service` installs it by hand (as root).

install(TARGETS intentd intentctl
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)

if(TARGET libintentd)
  install(TARGETS libintentd EXPORT intentdTargets
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
                  COMPONENT runtime
                  NAMELINK_COMPONENT development)

  # The public headers: include/intentd/*.hpp (not version.hpp.in) and the
  # version.hpp that configure_file writes into the build tree.
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/intentd
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT development
          FILES_MATCHING PATTERN "*.hpp")
  install(FILES ${PROJECT_BINARY_DIR}/include/intentd/version.hpp
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/intentd
          COMPONENT development)

  # find_package(intentd 0.2 CONFIG REQUIRED) and intentd::intentd.
  set(INTENTD_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/intentd)
  install(EXPORT intentdTargets NAMESPACE intentd::
          DESTINATION ${INTENTD_CMAKE_DIR} COMPONENT development)
  configure_package_config_file(
    ${PROJECT_SOURCE_DIR}/cmake/intentdConfig.cmake.in
    ${PROJECT_BINARY_DIR}/intentdConfig.cmake
    INSTALL_DESTINATION ${INTENTD_CMAKE_DIR})
  # Before 1.0 a minor version may break the API: 0.2 asks for 0.2.x.
  write_basic_package_version_file(
    ${PROJECT_BINARY_DIR}/intentdConfigVersion.cmake
    VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
  install(FILES ${PROJECT_BINARY_DIR}/intentdConfig.cmake
                ${PROJECT_BINARY_DIR}/intentdConfigVersion.cmake
          DESTINATION ${INTENTD_CMAKE_DIR} COMPONENT development)

  # pkg-config: intentd.pc names the prefix the files are installed under
  # (P for --prefix P, /usr in the Debian package), so it is written when
  # installing, then installed.
  install(CODE "
    set(INTENTD_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
    set(INTENTD_PC_LIBDIR \"${CMAKE_INSTALL_LIBDIR}\")
    set(INTENTD_PC_INCLUDEDIR \"${CMAKE_INSTALL_INCLUDEDIR}\")
    set(INTENTD_PC_VERSION \"${PROJECT_VERSION}\")
    configure_file(\"${PROJECT_SOURCE_DIR}/cmake/intentd.pc.in\"
                   \"${PROJECT_BINARY_DIR}/pkgconfig/intentd.pc\" @ONLY)"
    COMPONENT development)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/intentd.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT development)
endif()

# The service: the packaged config (a conffile) and the systemd unit, the
# one in examples/systemd/.
install(FILES ${PROJECT_SOURCE_DIR}/packaging/intentd.yaml
        DESTINATION /etc/intentd COMPONENT service EXCLUDE_FROM_ALL)
install(FILES ${PROJECT_SOURCE_DIR}/examples/systemd/intentd.service
        DESTINATION /lib/systemd/system COMPONENT service EXCLUDE_FROM_ALL)

# The Debian package: one .deb with every component.
#
# cpack installs what is built: it does not build every target of the tree
# first (the test suites), so build intentd, intentctl and libintentd
# before it. make install likewise.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
# Stripped binaries and library, as Debian ships them (the build tree
# keeps the debug info).
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_NAME intentd)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "intentd")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "intent engine: an HTTP API for swap, transfer and stake intents")
# The long description, one paragraph; CPack puts a space before each line.
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "intentd accepts intents (swap, transfer, stake) over HTTP and WebSocket,\n"
  "runs each through validation, solver selection and execution on a chain\n"
  "adapter, and keeps every intent in LMDB. The package holds the daemon and\n"
  "its systemd unit (user intentd, storage in /var/lib/intentd, configuration\n"
  "in /etc/intentd/intentd.yaml), the intentctl client, and libintentd with\n"
  "its headers, CMake package and pkg-config file for programs that embed\n"
  "the engine.")
set(INTENTD_PACKAGE_MAINTAINER "intentd maintainers <maintainers@users.noreply.b-seed-ed6d1b91.example>"
    CACHE STRING "Maintainer field of the Debian package")
set(INTENTD_PACKAGE_HOMEPAGE "" CACHE STRING
    "Homepage field of the Debian package (left out when empty)")
set(CPACK_PACKAGE_CONTACT "${INTENTD_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_COMPONENTS_ALL runtime development service)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
if(INTENTD_PACKAGE_HOMEPAGE)
  set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${INTENTD_PACKAGE_HOMEPAGE}")
endif()
# The shared libraries the binaries need (libcaf-core0.17, libyaml-cpp0.7,
# ...) come from dpkg-shlibdeps (package dpkg-dev); passwd has the useradd
# and groupadd of postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd")
# A shlibs file (libintentd 0.2 = this exact version: before 1.0 the ABI
# may change in any release). CPack's own ldconfig calls are left out when
# the package has its own postinst and postrm: the triggers file asks
# libc-bin for ldconfig instead, as debhelper's packages do.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY "=")
set(INTENTD_DEBIAN_DIR ${PROJECT_SOURCE_DIR}/packaging/debian)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${INTENTD_DEBIAN_DIR}/conffiles ${INTENTD_DEBIAN_DIR}/postinst
    ${INTENTD_DEBIAN_DIR}/prerm ${INTENTD_DEBIAN_DIR}/postrm
    ${INTENTD_DEBIAN_DIR}/triggers)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
