# repository_test: the contract of examples/repository's UserRepository, run
# against memory, PostgreSQL and MongoDB, each with and without the Redis
# cache. It needs the three adapters and the three servers: this fragment
# includes the adapters' own fragments (pg.cmake, redis.cmake, mongo.cmake),
# which define the fixtures `pg`, `redis`, `mongo` if they are not defined
# yet, and combines what they ask for.
set(_repo_skip OFF)
set(_repo_libs "")
set(_repo_fixtures "")
set(_repo_environment "")
foreach(_adapter pg redis mongo)
  set(SIMUL_TEST_SKIP OFF)
  set(SIMUL_TEST_LIBS "")
  set(SIMUL_TEST_PROPERTIES "")
  include(${CMAKE_CURRENT_SOURCE_DIR}/adapters/${_adapter}.cmake)
  if(SIMUL_TEST_SKIP)
    set(_repo_skip ON)
  endif()
  cmake_parse_arguments(_repo_p "" "" "FIXTURES_REQUIRED;ENVIRONMENT" ${SIMUL_TEST_PROPERTIES})
  list(APPEND _repo_libs ${SIMUL_TEST_LIBS})
  list(APPEND _repo_fixtures ${_repo_p_FIXTURES_REQUIRED})
  list(APPEND _repo_environment ${_repo_p_ENVIRONMENT})
endforeach()
set(SIMUL_TEST_PROPERTIES "")
if(_repo_skip)
  set(SIMUL_TEST_SKIP ON)
  return()
endif()
set(SIMUL_TEST_SKIP OFF)
include(${PROJECT_SOURCE_DIR}/examples/repository/library.cmake)
set(SIMUL_TEST_LIBS simul_repository_example ${_repo_libs})

# Three fixtures and three variables are lists, and gtest_discover_tests
# flattens a list given in PROPERTIES (FIXTURES_REQUIRED "pg;redis;mongo"
# would come out as FIXTURES_REQUIRED pg redis mongo: two property names
# that do not exist). So the properties are set by a file that ctest reads
# after the discovered tests (TEST_INCLUDE_FILES, appended once this
# directory is done, hence DEFER), on every test in repository_test_TESTS.
set(_repo_props ${CMAKE_CURRENT_BINARY_DIR}/repository_test_properties.cmake)
file(WRITE ${_repo_props}
  "foreach(_t IN LISTS repository_test_TESTS)\n"
  "  set_tests_properties(\"\${_t}\" PROPERTIES FIXTURES_REQUIRED \"${_repo_fixtures}\" ENVIRONMENT \"${_repo_environment}\")\n"
  "endforeach()\n")
cmake_language(DEFER CALL set_property DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${_repo_props})
