# simul_repository_example: the repository code shared by repository_demo
# and tests/adapters/repository_test.cpp. Included from this directory's
# CMakeLists.txt and from tests/adapters/repository.cmake (the tests are
# configured before the examples, and may be built without them); whoever
# comes first defines it. Needs the three adapters.
if(NOT TARGET simul_repository_example AND TARGET simul::pg AND TARGET simul::mongo AND TARGET simul::redis)
  set(_repo_dir ${PROJECT_SOURCE_DIR}/examples/repository)
  add_library(simul_repository_example STATIC
    ${_repo_dir}/memory_user_repository.cpp
    ${_repo_dir}/pg_user_repository.cpp
    ${_repo_dir}/mongo_user_repository.cpp
    ${_repo_dir}/cached_user_repository.cpp
    ${_repo_dir}/user_service.cpp)
  target_include_directories(simul_repository_example PUBLIC ${_repo_dir})
  target_link_libraries(simul_repository_example PUBLIC simul::pg simul::mongo simul::redis simul::simul
                        PRIVATE simul_warnings)
endif()
