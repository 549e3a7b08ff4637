/** Usage texts, in bpftool's shape, for `help` and `-h` at every level. */
export const MAIN_USAGE = `Usage: bpfscope [OPTIONS] OBJECT { COMMAND | help }
       bpfscope batch file FILE
       bpfscope asm FILE [file OUT]
       bpfscope unpin PATH...
       bpfscope store { check | reset }
       bpfscope version

       OBJECT := { prog | map | btf }
       OPTIONS := { {-j|--json} [{-p|--pretty}] | --object FILE... |
                    --state DIR | --table | --budget N |
                    {-B|--base-btf} FILE | --render {svg|png} FILE |
                    {-V|--version} }
`;

export const PROG_USAGE = `Usage: bpfscope prog { show | list } [PROG]
       bpfscope prog dump xlated PROG [{ file FILE | opcodes | visual | linum }]
       bpfscope prog callgraph [PROG]
       bpfscope prog pin   PROG FILE
       bpfscope prog { load | loadall } OBJ  PATH \\
                         [type TYPE] [map { idx IDX | name NAME } MAP]\\
                         [pinmaps MAP_DIR]
       bpfscope prog tracelog
       bpfscope prog run PROG \\
                         data_in FILE \\
                         [data_out FILE [data_size_out L]] \\
                         [ctx_in FILE [ctx_out FILE [ctx_size_out M]]] \\
                         [repeat N]
       bpfscope prog help

       PROG := { id PROG_ID | pinned FILE | tag PROG_TAG | name PROG_NAME }
       OPTIONS := { {-j|--json} [{-p|--pretty}] | --object FILE... |
                    --render {svg|png} FILE }

       Programs come from the store (--state DIR, $BPFSCOPE_STATE or
       $XDG_STATE_HOME/bpfscope), or, with --object, from those objects, loaded
       for this invocation and numbered from 1 in object order.
`;

export const MAP_USAGE = `Usage: bpfscope map { show | list }   [MAP]
       bpfscope map create     FILE type TYPE key KEY_SIZE value VALUE_SIZE \\
                                  entries MAX_ENTRIES name NAME [flags FLAGS] \\
                                  [inner_map MAP]
       bpfscope map dump       MAP
       bpfscope map update     MAP [key DATA] [value VALUE] [UPDATE_FLAGS]
       bpfscope map lookup     MAP [key DATA]
       bpfscope map getnext    MAP [key DATA]
       bpfscope map delete     MAP  key DATA
       bpfscope map pin        MAP  FILE
       bpfscope map peek       MAP
       bpfscope map push       MAP value VALUE
       bpfscope map pop        MAP
       bpfscope map enqueue    MAP value VALUE
       bpfscope map dequeue    MAP
       bpfscope map freeze     MAP
       bpfscope map help

       MAP := { id MAP_ID | pinned FILE | name MAP_NAME }
       DATA := { [hex] BYTES }
       PROG := { id PROG_ID | pinned FILE | tag PROG_TAG | name PROG_NAME }
       VALUE := { DATA | MAP | PROG }
       UPDATE_FLAGS := { any | exist | noexist }
       TYPE := { hash | array | prog_array | perf_event_array | percpu_hash |
                 percpu_array | lru_hash | lru_percpu_hash | lpm_trie |
                 array_of_maps | hash_of_maps | queue | stack | ringbuf |
                 bloom_filter }
       OPTIONS := { {-j|--json} [{-p|--pretty}] | --object FILE... |
                    --state DIR | --table }
`;

export const BTF_USAGE = `Usage: bpfscope btf { show | list } [id BTF_ID]
       bpfscope btf dump BTF_SRC [format FORMAT]
       bpfscope btf help

       BTF_SRC := { id BTF_ID | prog PROG | map MAP [{key | value | kv | all}] | file FILE }
       FORMAT  := { raw | c }
       MAP := { id MAP_ID | pinned FILE | name MAP_NAME }
       PROG := { id PROG_ID | pinned FILE | tag PROG_TAG | name PROG_NAME }
       OPTIONS := { {-j|--json} [{-p|--pretty}] | --object FILE... |
                    {-B|--base-btf} FILE }

       FILE is raw BTF or an ELF file with a .BTF section. BTF ids, like program
       and map ids, number the objects given with --object from 1.
`;

export const UNPIN_USAGE = `Usage: bpfscope unpin PATH...

       Removes pins (a directory: every pin under it), as rm of pinned files on
       a bpffs does; what nothing else holds is unloaded.
`;

export const STORE_USAGE = `Usage: bpfscope store { check | reset }
       bpfscope store help

       The store keeps loaded programs, maps and pins between invocations, in
       --state DIR, $BPFSCOPE_STATE or $XDG_STATE_HOME/bpfscope.
`;

export const BATCH_USAGE = `Usage: bpfscope batch file FILE
`;
