# kpi_collect_sources(<out-var> <dir> [RECURSE] [EXCLUDE <file>...]): the .cc
# files of <dir>. Every source in the tree is .cc and every header .h; a file
# with any other C or C++ extension stops the configure step, so a glob never
# silently skips one.
function(kpi_collect_sources out dir)
  cmake_parse_arguments(ARG "RECURSE" "" "EXCLUDE" ${ARGN})
  if(ARG_RECURSE)
    set(mode GLOB_RECURSE)
  else()
    set(mode GLOB)
  endif()
  file(${mode} strays CONFIGURE_DEPENDS
    ${dir}/*.cpp ${dir}/*.cxx ${dir}/*.c ${dir}/*.hpp ${dir}/*.hh ${dir}/*.cp ${dir}/*.C)
  if(strays)
    message(FATAL_ERROR "kpi sources are .cc and headers .h; rename: ${strays}")
  endif()
  file(${mode} sources CONFIGURE_DEPENDS ${dir}/*.cc)
  foreach(excluded ${ARG_EXCLUDE})
    list(REMOVE_ITEM sources ${dir}/${excluded})
  endforeach()
  set(${out} ${sources} PARENT_SCOPE)
endfunction()
