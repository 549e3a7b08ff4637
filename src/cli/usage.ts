/** Usage texts, in bpftool's shape, for `help` and `-h` at every level. */
export const MAIN_USAGE = `Usage: bpfscope [OPTIONS] OBJECT { COMMAND | help }
       bpfscope asm FILE [file OUT]
       bpfscope version

       OBJECT := { prog | map | btf }
       OPTIONS := { {-j|--json} [{-p|--pretty}] | --object FILE... |
                    {-B|--base-btf} FILE | --render {svg|png} FILE |
                    {-V|--version} }
`;

export const PROG_USAGE = `Usage: bpfscope prog { show | list } [PROG]
       bpfscope prog dump xlated PROG [{ file FILE | opcodes | visual | linum }]
       bpfscope prog callgraph [PROG]
       bpfscope prog help

       PROG := { id PROG_ID | pinned FILE | tag PROG_TAG | name PROG_NAME }
       OPTIONS := { {-j|--json} [{-p|--pretty}] | --object FILE... |
                    --render {svg|png} FILE }

       Programs come from the objects given with --object, loaded for this
       invocation and numbered from 1 in object order.
`;

export const MAP_USAGE = `Usage: bpfscope map { show | list } [MAP]
       bpfscope map help

       MAP := { id MAP_ID | pinned FILE | name MAP_NAME }
       OPTIONS := { {-j|--json} [{-p|--pretty}] | --object FILE... }
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
