# adot-collector's heavy dependencies (libprotobuf, OpenSSL, yaml-cpp, nghttp2), each as an INTERFACE
# target `adot_dep_<name>` that the collector libraries link.
#
# A target that sets the property ADOT_STATIC_DEPS (adot-collector does) gets Debian's static
# archives (lib*.a) instead of the shared libraries: the dynamic loader then does not read and
# relocate these libraries' symbol and relocation tables at start, which was ~1.5 MiB of the idle
# collector's RSS (docs/benchmarks.md). Everything else (the tests, which also load grpc++ and with
# it the shared libprotobuf) links the shared libraries, so a process never holds two copies.
option(ADOT_COLLECTOR_STATIC_DEPS "Link adot-collector's libprotobuf, OpenSSL, yaml-cpp and nghttp2 statically" ON)

# adot_collector_dep(NAME SHARED <targets...> STATIC <archive names...> STATIC_EXTRA <libs...>)
function(adot_collector_dep name)
  cmake_parse_arguments(ARG "" "" "SHARED;STATIC;STATIC_EXTRA" ${ARGN})
  add_library(adot_dep_${name} INTERFACE)
  set(archives "")
  if(ADOT_COLLECTOR_STATIC_DEPS AND NOT ADOT_SANITIZE)
    foreach(archive IN LISTS ARG_STATIC)
      find_library(ADOT_STATIC_${archive} NAMES lib${archive}.a)
      if(NOT ADOT_STATIC_${archive})
        message(STATUS "adot-collector: lib${archive}.a not found, linking ${name} shared")
        set(archives "")
        break()
      endif()
      list(APPEND archives ${ADOT_STATIC_${archive}})
    endforeach()
  endif()
  foreach(t IN LISTS ARG_SHARED)
    # Named in generator expressions evaluated for targets in other directories (so call this where
    # the package was found).
    set_target_properties(${t} PROPERTIES IMPORTED_GLOBAL TRUE)
    target_include_directories(adot_dep_${name} SYSTEM INTERFACE $<TARGET_PROPERTY:${t},INTERFACE_INCLUDE_DIRECTORIES>)
  endforeach()
  if(NOT archives)
    target_link_libraries(adot_dep_${name} INTERFACE ${ARG_SHARED})
    return()
  endif()
  set(is_static "$<BOOL:$<TARGET_PROPERTY:ADOT_STATIC_DEPS>>")
  foreach(item IN LISTS archives ARG_STATIC_EXTRA)
    target_link_libraries(adot_dep_${name} INTERFACE "$<${is_static}:${item}>")
  endforeach()
  foreach(t IN LISTS ARG_SHARED)
    target_link_libraries(adot_dep_${name} INTERFACE "$<$<NOT:${is_static}>:${t}>")
  endforeach()
endfunction()
