# TLS tests (tests/net/tls*_test.cpp): need OpenSSL (src/net/tls.cmake), and
# the certificates that tests/net/tls_certs.sh makes once per ctest run (the
# `tls` fixture) into the build tree; the tests find them in SIMUL_TLS_DIR.
if(NOT TARGET OpenSSL::SSL)
  set(SIMUL_TEST_SKIP ON)
  return()
endif()
set(SIMUL_TLS_DIR ${CMAKE_CURRENT_BINARY_DIR}/tls-certs)
if(NOT TEST tls_certs)
  add_test(NAME tls_certs COMMAND ${CMAKE_COMMAND} -E env bash ${CMAKE_CURRENT_SOURCE_DIR}/net/tls_certs.sh ${SIMUL_TLS_DIR})
  set_tests_properties(tls_certs PROPERTIES FIXTURES_SETUP tls LABELS net TIMEOUT 60)
endif()
set(SIMUL_TEST_PROPERTIES FIXTURES_REQUIRED tls ENVIRONMENT SIMUL_TLS_DIR=${SIMUL_TLS_DIR})
