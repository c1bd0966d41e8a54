# Install rules for everything but the binaries (kpid/ and kpictl/ install
# those): man pages, the systemd unit, the nginx site, the default config and
# the schema. Included from packaging/cpack.cmake.
#
# The service files go to absolute system paths (/etc, /lib/systemd) because
# that is where dpkg, systemd and nginx look for them, whatever the prefix;
# configure with -DCMAKE_INSTALL_PREFIX=/usr (as the package is built) so the
# paths compiled into kpid (the default schema) match too.

set(KPI_PACKAGING_DIR ${PROJECT_SOURCE_DIR}/packaging)

# Man pages, gzipped as Debian policy asks (-n: no name or time stamp, so the
# package is reproducible).
set(KPI_MAN_PAGES kpid.8 kpictl.1 kpi-segment.5)
set(KPI_MAN_GZ "")
foreach(page ${KPI_MAN_PAGES})
  set(src ${PROJECT_SOURCE_DIR}/man/${page})
  set(gz ${PROJECT_BINARY_DIR}/man/${page}.gz)
  add_custom_command(OUTPUT ${gz}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
    COMMAND gzip -9nc ${src} > ${gz}
    DEPENDS ${src}
    COMMENT "Compressing man page ${page}")
  list(APPEND KPI_MAN_GZ ${gz})
  string(REGEX REPLACE "^.*\\.([0-9])$" "\\1" section ${page})
  install(FILES ${gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
add_custom_target(kpi_man ALL DEPENDS ${KPI_MAN_GZ})

install(FILES ${KPI_PACKAGING_DIR}/systemd/kpid.service ${KPI_PACKAGING_DIR}/systemd/kpi-ship.service
  DESTINATION /lib/systemd/system)
install(FILES ${KPI_PACKAGING_DIR}/nginx/kpid.conf
  DESTINATION /etc/nginx/sites-available RENAME kpid)
install(FILES ${KPI_PACKAGING_DIR}/kpid.conf ${KPI_PACKAGING_DIR}/kpi-ship.conf DESTINATION /etc/kpid)
install(FILES ${KPI_PACKAGING_DIR}/schema.json DESTINATION ${CMAKE_INSTALL_DATADIR}/kpi)
# The cluster example and the hardening report, for reading.
install(FILES ${KPI_PACKAGING_DIR}/nginx/kpid-cluster.conf
  ${KPI_PACKAGING_DIR}/systemd/SECURITY.txt
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
