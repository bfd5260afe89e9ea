# simul::pg's tests (tests/adapters/pg_*_test.cpp) run against a real
# PostgreSQL 15 that this fixture starts once per ctest run
# (pg_server.sh start, FIXTURES_SETUP pg) and removes at the end
# (FIXTURES_CLEANUP pg). The tests find it through SIMUL_PG_DIR (the Unix
# socket directory, with the TCP port in DIR/port); a test binary run by hand
# without SIMUL_PG_DIR starts a server of its own. Tests that restart the
# server always start a private one.
if(NOT TARGET simul::pg)
  set(SIMUL_TEST_SKIP ON)
  return()
endif()
set(SIMUL_PG_FIXTURE_DIR ${CMAKE_CURRENT_BINARY_DIR}/pg-server)
if(NOT TARGET simul_pg_testing)
  add_library(simul_pg_testing INTERFACE)
  target_link_libraries(simul_pg_testing INTERFACE simul::pg)
  target_compile_definitions(simul_pg_testing INTERFACE
    SIMUL_PG_SERVER_SCRIPT="${CMAKE_CURRENT_SOURCE_DIR}/adapters/pg_server.sh")
endif()
if(NOT TEST pg_server_start)
  add_test(NAME pg_server_start COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/adapters/pg_server.sh start ${SIMUL_PG_FIXTURE_DIR})
  set_tests_properties(pg_server_start PROPERTIES FIXTURES_SETUP pg LABELS adapters TIMEOUT 120)
  add_test(NAME pg_server_stop COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/adapters/pg_server.sh stop ${SIMUL_PG_FIXTURE_DIR})
  set_tests_properties(pg_server_stop PROPERTIES FIXTURES_CLEANUP pg LABELS adapters TIMEOUT 60)
endif()
set(SIMUL_TEST_LIBS simul_pg_testing)
set(SIMUL_TEST_PROPERTIES FIXTURES_REQUIRED pg ENVIRONMENT SIMUL_PG_DIR=${SIMUL_PG_FIXTURE_DIR})
