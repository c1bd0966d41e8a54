# The Debian package `kpi`: kpid, kpictl, their man pages, the systemd unit,
# the nginx site, the default config and the schema.
#
#   cmake -S . -B build -DCMAKE_INSTALL_PREFIX=/usr && cmake --build build
#   cd build && cpack -G DEB          # -> kpi_<version>_<arch>.deb
#
# Maintainer scripts in packaging/debian/ create the `kpid` system user, the
# `kpi-readers` group (analysts who may read the store) and /var/lib/kpid
# (2750, kpid:kpi-readers), and enable the service; files below /etc
# are conffiles, so dpkg keeps local edits across upgrades.

include(${CMAKE_CURRENT_LIST_DIR}/install.cmake)

if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "kpi: packaging with prefix /usr but built for ${CMAKE_INSTALL_PREFIX}; "
    "configure with -DCMAKE_INSTALL_PREFIX=/usr so kpid's compiled-in default schema path "
    "matches the package (the shipped kpid.conf names it explicitly either way)")
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME kpi)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "kpi maintainers <kpi@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "append-only event store for sign-in dialog analytics")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The Description's first line is the summary above; this is the rest.
set(CPACK_PACKAGE_DESCRIPTION
  "kpid receives the interaction data the sign-in dialog POSTs (behind nginx),
checks each blob against a privacy-reviewed schema, stores it durably in
hourly write-ahead files and seals them into zstd segments that any
JSON-lines tool reads. kpictl lists, scans, exports, samples, verifies,
tails, compacts and purges the store.")
# The unit runs kpid as the system user the postinst creates with adduser.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "nginx")

# Library dependencies: computed by dpkg-shlibdeps from the binaries when it
# is there (dpkg-dev), else the Debian 12 packages kpi links against.
find_program(KPI_DPKG_SHLIBDEPS dpkg-shlibdeps)
find_program(KPI_FILE_UTILITY file)
if(KPI_DPKG_SHLIBDEPS AND KPI_FILE_UTILITY)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", libc6, libstdc++6, libgcc-s1, libzstd1, "
    "libsimdjson14, libcpp-httplib0.11, libboost-filesystem1.74.0")
endif()

set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${CMAKE_CURRENT_LIST_DIR}/debian/conffiles
  ${CMAKE_CURRENT_LIST_DIR}/debian/postinst
  ${CMAKE_CURRENT_LIST_DIR}/debian/prerm
  ${CMAKE_CURRENT_LIST_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
