# cmake -DPROGRAM=... -DARGS="a;b" -DOUT=file -P run_to_file.cmake: runs PROGRAM ARGS, its stdout into
# OUT; fails the build when it fails. (add_custom_command has no portable redirection.)
execute_process(COMMAND ${PROGRAM} ${ARGS} OUTPUT_FILE ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(REMOVE ${OUT})
  message(FATAL_ERROR "${PROGRAM} ${ARGS} failed: ${rc}")
endif()
