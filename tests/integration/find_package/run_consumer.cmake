# Script mode: BUILD_DIR, CONSUMER_SOURCE_DIR, WORK_DIR.
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
# The consumer's CMakeLists is stored as .in so the test tree's glob does not take it for a test
# folder of its own.
file(COPY ${CONSUMER_SOURCE_DIR}/main.cc DESTINATION ${WORK_DIR}/source)
configure_file(${CONSUMER_SOURCE_DIR}/CMakeLists.txt.in ${WORK_DIR}/source/CMakeLists.txt COPYONLY)
run(${CMAKE_COMMAND} -S ${WORK_DIR}/source -B ${WORK_DIR}/build -G Ninja
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${prefix})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/consumer)
if(NOT last_output MATCHES "span \"consumer-span\" INTERNAL")
  message(FATAL_ERROR "consumer output lacks its span:\n${last_output}")
endif()
message(STATUS "consumer built against the installed package and exported its span")
