# Tests of simul::redis (tests/adapters/redis_*_test.cpp). They talk to a real
# redis-server (Debian's redis-server package), started once per ctest run by
# the fixture below on a free loopback port (redis_server.sh writes the port
# into SIMUL_REDIS_DIR/port); a test binary run alone starts its own server.
# Tests that restart a server use a private instance of their own.
find_program(SIMUL_REDIS_SERVER redis-server)
if(NOT TARGET simul::redis)
  set(SIMUL_TEST_SKIP ON)
elseif(NOT SIMUL_REDIS_SERVER)
  if(NOT SIMUL_REDIS_WARNED)
    message(STATUS "simul: redis-server not found (apt-get install redis-server): the simul::redis tests are off")
    set(SIMUL_REDIS_WARNED ON)
  endif()
  set(SIMUL_TEST_SKIP ON)
else()
  set(SIMUL_TEST_LIBS simul::redis)
  set(SIMUL_REDIS_FIXTURE_DIR ${CMAKE_CURRENT_BINARY_DIR}/redis-server)
  if(NOT TEST redis_server_start)
    add_test(NAME redis_server_start
             COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/adapters/redis_server.sh start ${SIMUL_REDIS_FIXTURE_DIR})
    set_tests_properties(redis_server_start PROPERTIES FIXTURES_SETUP redis LABELS adapters TIMEOUT 30)
    add_test(NAME redis_server_stop
             COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/adapters/redis_server.sh stop ${SIMUL_REDIS_FIXTURE_DIR})
    set_tests_properties(redis_server_stop PROPERTIES FIXTURES_CLEANUP redis LABELS adapters TIMEOUT 30)
  endif()
  set(SIMUL_TEST_PROPERTIES FIXTURES_REQUIRED redis ENVIRONMENT SIMUL_REDIS_DIR=${SIMUL_REDIS_FIXTURE_DIR})
endif()
