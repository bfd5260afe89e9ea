# The mongo adapter's tests (tests/adapters/mongo_*_test.cpp): they need
# simul::mongo (libbson) and, for most, a CongoDB server (node + npm; see
# tests/adapters/setup_congodb.sh), started once per ctest run as the
# fixture "mongo". Tests find its port in $SIMUL_MONGO_DIR/port; a test
# binary run alone starts a server of its own.
if(NOT TARGET simul::mongo)
  set(SIMUL_TEST_SKIP ON)
else()
  if(NOT TARGET simul_mongo_testenv)
    add_library(simul_mongo_testenv INTERFACE)
    target_compile_definitions(simul_mongo_testenv INTERFACE
      SIMUL_MONGO_LAUNCHER="${CMAKE_CURRENT_SOURCE_DIR}/adapters/congodb_server.mjs"
      SIMUL_MONGO_SETUP="${CMAKE_CURRENT_SOURCE_DIR}/adapters/setup_congodb.sh"
      SIMUL_CONGODB_DIR="${PROJECT_SOURCE_DIR}/build/congodb"
      SIMUL_MONGO_TESTS_DIR="${CMAKE_CURRENT_SOURCE_DIR}/adapters")
  endif()
  if(NOT TEST mongo_server_start)
    add_test(NAME mongo_server_start
      COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/adapters/mongo_server.sh start
              ${CMAKE_CURRENT_BINARY_DIR}/mongo-server ${PROJECT_SOURCE_DIR}/build/congodb)
    set_tests_properties(mongo_server_start PROPERTIES FIXTURES_SETUP mongo LABELS adapters TIMEOUT 120)
    add_test(NAME mongo_server_stop
      COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/adapters/mongo_server.sh stop ${CMAKE_CURRENT_BINARY_DIR}/mongo-server)
    set_tests_properties(mongo_server_stop PROPERTIES FIXTURES_CLEANUP mongo LABELS adapters)
  endif()
  set(SIMUL_TEST_LIBS simul::mongo simul_mongo_testenv)
  set(SIMUL_TEST_PROPERTIES FIXTURES_REQUIRED mongo ENVIRONMENT SIMUL_MONGO_DIR=${CMAKE_CURRENT_BINARY_DIR}/mongo-server)
endif()
