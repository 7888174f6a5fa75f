# r1_git_revision(DIR OUT_REVISION OUT_WATCH): `git rev-parse HEAD` of DIR when DIR is the top of a git
# checkout (a source tree unpacked inside some other repository is not one), else "". OUT_WATCH lists
# the files that change when HEAD moves (HEAD itself, the branch's ref), for CMAKE_CONFIGURE_DEPENDS.
# Runs in a CMake project and in script mode (cmake -P), where tests call it.
function(r1_git_revision dir out_revision out_watch)
  set(revision "")
  set(watch "")
  find_package(Git QUIET)
  if(GIT_FOUND)
    execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --show-toplevel WORKING_DIRECTORY "${dir}"
      OUTPUT_VARIABLE top OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE status)
    if(status EQUAL 0 AND EXISTS "${top}")
      file(REAL_PATH "${top}" top)
      file(REAL_PATH "${dir}" wanted)
      if(top STREQUAL wanted)
        execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --verify -q HEAD WORKING_DIRECTORY "${dir}"
          OUTPUT_VARIABLE revision OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
        execute_process(COMMAND ${GIT_EXECUTABLE} symbolic-ref -q HEAD WORKING_DIRECTORY "${dir}"
          OUTPUT_VARIABLE ref OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
        foreach(name HEAD ${ref})
          execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --git-path ${name} WORKING_DIRECTORY "${dir}"
            OUTPUT_VARIABLE path OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
          if(path AND NOT IS_ABSOLUTE "${path}")
            set(path "${dir}/${path}")
          endif()
          if(path AND EXISTS "${path}")
            list(APPEND watch "${path}")
          endif()
        endforeach()
      endif()
    endif()
  endif()
  set(${out_revision} "${revision}" PARENT_SCOPE)
  set(${out_watch} "${watch}" PARENT_SCOPE)
endfunction()

# Script mode: cmake -DR1_DIR=<dir> -P git_revision.cmake prints "revision=<rev>".
if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  r1_git_revision("${R1_DIR}" revision watch)
  message("revision=${revision}")
endif()
