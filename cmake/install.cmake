# What `cmake --install` puts in place, and what `cpack -G DEB` packages:
#   bin/r1, the man page and the bash and zsh completions (generated from cli/settings.cpp's table);
#   r1's library (r1::deploy(), the health check, the sentinel errors of engine/error.hpp) as static
#   archives under lib/r1/, its headers under include/r1/, and a CMake package so that a program
#   says `find_package(r1)` and links `r1::r1`.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The library, in link order. r1::r1 is an interface over them: the deploy call (r1_lib), the real
# runner (r1_proc), the Beast + OpenSSL client and TLS context (r1_net), the browser check (r1_browser).
set(r1_library_targets r1_lib r1_providers_core r1_engine r1_proc r1_cdp r1_browser r1_net r1_net_url
  r1_boost_impl r1_boost r1_files r1_classify r1_text r1_redact r1_warnings)
set(r1_exported)
foreach(t IN LISTS r1_library_targets)
  if(TARGET ${t})  # r1_redact and r1_text are one target on some branches
    list(APPEND r1_exported ${t})
  endif()
endforeach()

add_library(r1_sdk INTERFACE)
set_target_properties(r1_sdk PROPERTIES EXPORT_NAME r1)
target_link_libraries(r1_sdk INTERFACE r1_lib r1_net r1_proc r1_browser)
add_library(r1::r1 ALIAS r1_sdk)

# Headers are included as "engine/error.hpp" (their path in this tree), so an installed program gets
# include/r1 on its path; the build tree keeps the source and generated directories.
foreach(t IN LISTS r1_exported)
  get_target_property(type ${t} TYPE)
  get_target_property(dirs ${t} INTERFACE_INCLUDE_DIRECTORIES)
  if(dirs)
    set(wrapped)
    foreach(d IN LISTS dirs)
      list(APPEND wrapped "$<BUILD_INTERFACE:${d}>")
    endforeach()
    list(APPEND wrapped "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/r1>")
    set_target_properties(${t} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${wrapped}")
  endif()
endforeach()

install(TARGETS r1 RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(TARGETS ${r1_exported} r1_sdk EXPORT r1Targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}/r1 COMPONENT dev
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/r1)
foreach(dir engine proc net providers)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/r1/${dir}
    COMPONENT dev FILES_MATCHING PATTERN "*.hpp")
endforeach()
install(FILES ${PROJECT_BINARY_DIR}/generated/r1/version.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/r1/r1 COMPONENT dev)
install(EXPORT r1Targets NAMESPACE r1:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/r1 COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/r1Config.cmake.in ${PROJECT_BINARY_DIR}/r1Config.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/r1)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/r1ConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/r1Config.cmake ${PROJECT_BINARY_DIR}/r1ConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/r1 COMPONENT dev)

# The man page and shell completions: r1 prints them from the same settings table as --help.
set(r1_docs ${PROJECT_BINARY_DIR}/share)
add_custom_command(
  OUTPUT ${r1_docs}/r1.1 ${r1_docs}/r1.bash ${r1_docs}/_r1
  COMMAND ${CMAKE_COMMAND} -E make_directory ${r1_docs}
  COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:r1> -DARGS=man -DOUT=${r1_docs}/r1.1
          -P ${PROJECT_SOURCE_DIR}/cmake/run_to_file.cmake
  COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:r1> "-DARGS=completion;bash" -DOUT=${r1_docs}/r1.bash
          -P ${PROJECT_SOURCE_DIR}/cmake/run_to_file.cmake
  COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:r1> "-DARGS=completion;zsh" -DOUT=${r1_docs}/_r1
          -P ${PROJECT_SOURCE_DIR}/cmake/run_to_file.cmake
  DEPENDS r1 ${PROJECT_SOURCE_DIR}/cmake/run_to_file.cmake
  COMMENT "r1's man page and shell completions, from the settings table"
  VERBATIM)
add_custom_target(r1_docs ALL DEPENDS ${r1_docs}/r1.1 ${r1_docs}/r1.bash ${r1_docs}/_r1)
install(FILES ${r1_docs}/r1.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT runtime)
install(FILES ${r1_docs}/r1.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME r1
  COMPONENT runtime)
install(FILES ${r1_docs}/_r1 DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions COMPONENT runtime)

# cpack -G DEB: two packages, r1 (the program) and r1-dev (library, headers, CMake package), with
# their Debian dependencies: dpkg-shlibdeps reads r1's shared libraries (libc, libstdc++, OpenSSL,
# Boost.JSON/URL); the -dev package needs the headers its own headers include.
set(CPACK_PACKAGE_NAME r1)
set(CPACK_PACKAGE_VENDOR "r1")
set(CPACK_PACKAGE_CONTACT "r1 maintainers <r1@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "deploy apps with their provider's own CLI, then prove them healthy")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME r1)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_RECOMMENDS "ca-certificates, git")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SUGGESTS "chromium")
set(CPACK_DEBIAN_DEV_PACKAGE_NAME r1-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
  "r1 (= ${PROJECT_VERSION}), libboost1.81-dev, libboost-json1.81-dev, libboost-url1.81-dev, libssl-dev, libc-ares-dev, pkg-config, cmake (>= 3.22)")
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION "r1 deploys an app by driving its hosting provider's own CLI (flyctl, vercel,
wrangler, docker, kamal), then proves the deploy works with an HTTPS health check.")
set(CPACK_COMPONENT_DEV_DESCRIPTION "r1's deploy executor as a C++20 library: r1::deploy(), the health check and the
sentinel errors, with an exported CMake package (find_package(r1), target r1::r1).")
include(CPack)
