# Helpers shared by synack's own build (tests, examples, tools, benchmarks).

# synack_add_program(<target> <output-name> SOURCES... [LIBRARIES...])
# A program of ours: links synack, and our warnings privately.
function(synack_add_program target output_name)
    cmake_parse_arguments(arg "" "" "SOURCES;LIBRARIES" ${ARGN})
    add_executable(${target} ${arg_SOURCES})
    set_target_properties(${target} PROPERTIES OUTPUT_NAME ${output_name})
    target_link_libraries(${target} PRIVATE synack::synack synack_warnings ${arg_LIBRARIES})
endfunction()

# synack_add_example(<target> SOURCES... [ARGS...] [LABELS...] [LIBRARIES...])
# An example program, run as a ctest (label "example") when tests are on.
function(synack_add_example target)
    cmake_parse_arguments(arg "" "" "SOURCES;ARGS;LABELS;LIBRARIES" ${ARGN})
    string(REPLACE "_" "-" output_name "synack-${target}")
    synack_add_program(example_${target} ${output_name} SOURCES ${arg_SOURCES} LIBRARIES ${arg_LIBRARIES})
    if(SYNACK_BUILD_TESTS)
        add_test(NAME example.${target} COMMAND example_${target} ${arg_ARGS})
        set_tests_properties(example.${target} PROPERTIES LABELS "example;${arg_LABELS}")
    endif()
endfunction()
