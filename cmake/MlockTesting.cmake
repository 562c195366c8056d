include(GoogleTest)

# mlock_add_test(NAME <name> SRCS <files...> DEPS <targets...> [LABELS <labels...>] [SERIAL])
# Builds a GoogleTest executable and registers its tests with CTest; SERIAL
# runs each of them with no other test beside it (RUN_SERIAL), for tests
# that read machine-wide state other tests change.
function(mlock_add_test)
  cmake_parse_arguments(ARG "SERIAL" "NAME" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  target_compile_features(${ARG_NAME} PRIVATE cxx_std_17)
  mlock_set_warnings(${ARG_NAME})
  if(ARG_SERIAL)
    gtest_discover_tests(${ARG_NAME} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${ARG_LABELS}" RUN_SERIAL TRUE)
  else()
    gtest_discover_tests(${ARG_NAME} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${ARG_LABELS}")
  endif()
endfunction()
