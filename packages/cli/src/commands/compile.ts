/** `hivetool compile`: an image's registry from its .reg sources. */
import { defineCommand } from '../command.js';
import { positionals } from '../arguments.js';
import { jsonOption, outputOption } from '../options.js';
import type { CompileArguments } from '../run/compile.js';

export const compile = defineCommand({
  command: 'compile [inputs..]',
  describe: 'Compile .reg sources (common.reg, platform.reg, project.reg…) into boot.hv, default.hv, user.hv and reginit.ini',
  builder: (command) =>
    positionals(command, 'compile <inputs..>', 'inputs')
      .positional('inputs', { describe: 'source files, merged in this order (later definitions win)', type: 'string', array: true })
      .option('output', outputOption('directory to write boot.hv, default.hv, user.hv and reginit.ini into (all or none); with --merge-only, the file for the merged text'))
      .option('define', { requiresArg: true, alias: 'D', type: 'string', array: true, nargs: 1, describe: 'build variable NAME[=VALUE] (value 1 if omitted), for IF, #if, $(NAME) and LOC_ tokens; before #define and the environment' })
      .option('sysgen', { requiresArg: true, type: 'string', describe: 'comma-separated components in the OS design for "; @CESYSGEN IF" tags (default: every component is in)' })
      .option('sysgen-filter', { type: 'boolean', default: true, describe: 'evaluate "; @CESYSGEN" tags; --no-sysgen-filter keeps every line of both branches' })
      .option('strings', { requiresArg: true, type: 'string', array: true, nargs: 1, describe: '.str file of LOC_ token strings ("LOC_NAME replacement" lines); may be repeated, later wins' })
      .option('encoding', { requiresArg: true, type: 'string', describe: 'code page of sources without BOM, e.g. shift_jis, gbk, windows-1252 (default UTF-8, falling back to windows-1252)' })
      .option('missing-include', { requiresArg: true, choices: ['error', 'warn'] as const, default: 'error' as const, describe: 'a missing #include file is an error (nothing written) or a warning (line skipped)' })
      .option('json', jsonOption('print the summary (or --explain) as JSON'))
      .option('merge-only', { type: 'boolean', default: false, describe: 'write only the merged text (reginit.ini) to the file -o names' })
      .option('explain', { requiresArg: true, type: 'string', describe: "show, for each value of this key ('HKLM\\Some\\Key'), the file:line that set it and those it overrode; writes nothing" })
      .option('pedantic', { type: 'boolean', default: false, describe: 'also warn where the label after ENDIF names other variables than its IF (fMerge reads it as a comment; counted in --json as endifLabels)' })
      .option('max-expansion', { requiresArg: true, type: 'number', describe: 'expansion limit factor (default 8): the text read, a file counted each time it is #included, plus what $(...) macros and LOC_ tokens add, may be at most FACTOR × (the characters of the files read + 512 Ki)' })
      .option('signature', { requiresArg: true, type: 'string', describe: 'ROM signature as 32 hex digits instead of the MD5 of reginit.ini' })
      .example('$0 compile common.reg platform.reg project.reg -o out -D BSP_NOUSB', 'the three hives and reginit.ini in out/')
      .example('$0 compile common.reg platform.reg --explain "HKLM\\init\\BootVars"', 'where each value of a key came from')
      .epilogue('Exit codes: 0 compiled with no warning, 1 compiled with warnings (notes do not count), 2 could not compile (nothing written). Every construct and diagnostic: docs/compile.md.'),
  options: (args): CompileArguments => ({
    inputs: args.inputs as string[],
    output: args.output,
    define: args.define,
    sysgen: args.sysgen,
    sysgenFilter: args['sysgen-filter'],
    strings: args.strings,
    encoding: args.encoding,
    missingInclude: args['missing-include'],
    json: args.json,
    mergeOnly: args['merge-only'],
    explain: args.explain,
    signature: args.signature,
    pedantic: args.pedantic,
    maxExpansion: args['max-expansion'],
  }),
  run: async (options, io) => (await import('../run/compile.js')).run(options, io),
});
