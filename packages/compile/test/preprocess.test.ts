import { describe, expect, test } from '@jest/globals';
import { compileRegistry, decodeSource, type CompileOptions, encodeReginit, evaluateCpp, evaluateIf, evaluateSysgen, explainKey, parseStrings, reginitSignature, splitLines, stripTrailingComment } from '@hivetool/compile';
import { codes, compileText, findKey, memoryHost, valueOf } from './helpers.js';

const KEY = '[HKEY_LOCAL_MACHINE\\Test]\n';
const tree = (text: string | Uint8Array, options: CompileOptions = {}, others: Record<string, string> = {}) => {
  const result = compileText(text, options, others);
  expect(result.errors).toBe(0);
  return result.trees!.default;
};
/** Names of the values left under HKLM\Test. */
const names = (text: string, options: CompileOptions = {}, others: Record<string, string> = {}): string[] => (findKey(tree(KEY + text, options, others), 'HKLM\\Test')?.values ?? []).map((value) => value.name);

describe('build-variable conditionals (registry sources guide §2)', () => {
  const block = (condition: string, end = 'ENDIF') => `IF ${condition}\n"in"=dword:1\nELSE\n"out"=dword:1\n${end}\n`;
  test.each([
    ['A', {}, ['out']],
    ['A', { A: '1' }, ['in']],
    ['A !', {}, ['in']],
    ['A !', { A: '1' }, ['out']],
    ['A!', {}, ['in']],
    ['A!', { A: 'yes' }, ['out']],
    ['A == V', { A: 'v' }, ['in']],
    ['A == V', { A: 'W' }, ['out']],
    ['A != V', { A: 'W' }, ['in']],
    ['A != V', {}, ['in']],
    ['LOCALE=0411', { LOCALE: '0411' }, ['in']],
    ['LOCALE=0411', { LOCALE: '0409' }, ['out']],
    // Microsoft's grammar `IF environment variable [= value] [!]`: set to something else, or not set.
    ['LOCALE=0411 !', { LOCALE: '0411' }, ['out']],
    ['LOCALE=0411 !', { LOCALE: '0409' }, ['in']],
    ['LOCALE=0411 !', {}, ['in']],
    ['LOCALE=0411!', { LOCALE: '0411' }, ['out']],
    ['_TGTPROJ=smartfon !', { _TGTPROJ: 'SmartFon' }, ['out']],
    ['_TGTPROJ=smartfon !', { _TGTPROJ: 'uldr' }, ['in']],
    ['V=x !', { V: 'x' }, ['out']],
    ['V=x !', { V: 'y' }, ['in']],
    ['V=x', { V: 'x' }, ['in']],
    ['V=x ! || W', { V: 'x', W: '1' }, ['in']],
    ['A == "1" || B == "1"', { B: '1' }, ['in']],
    ['A || B', {}, ['out']],
    ['A || B', { B: '1' }, ['in']],
    ['A ! || B ! || C !', { A: '1', B: '1', C: '1' }, ['out']],
    ['A ! || B ! || C !', { A: '1', C: '1' }, ['in']],
    ['A && B', { A: '1' }, ['out']],
  ] as Array<[string, Record<string, string>, string[]]>)('IF %s with %j', (condition, defines, expected) => {
    expect(names(block(condition), { defines })).toEqual(expected);
  });

  test.each(['ENDIF', 'ENDIF ;comment', 'ENDIF ; A !', 'ENDIF A', 'ENDIF A !', 'ENDIF   A ! ; one two three four five six'])('"%s" closes the IF without a warning', (end) => {
    const result = compileText(KEY + block('A !', end));
    expect(codes(result)).toEqual([]);
    expect(findKey(result.trees!.default, 'HKLM\\Test')!.values!.map((value) => value.name)).toEqual(['in']);
  });

  test('an ENDIF label naming another variable is counted; a warning only with pedantic; the block still closes', () => {
    const text = KEY + 'IF BSP_NOWIFI !\n"a"=dword:1\nENDIF BSP_NOUSB\n"b"=dword:2\n; @CESYSGEN IF NLS_AF_ZA\n"c"=dword:3\n; @CESYSGEN ENDIF LOCALE_COMPONENTS_AF_ZA\n';
    const quiet = compileText(text);
    expect(codes(quiet)).toEqual([]);
    expect(quiet.statistics.endifLabels).toBe(2);
    const result = compileText(text, { pedantic: true });
    expect(codes(result)).toEqual(['ENDIF_LABEL_MISMATCH@4', 'ENDIF_LABEL_MISMATCH@8']);
    expect(result.errors).toBe(0);
    expect(valueOf(result.trees!.default, 'HKLM\\Test', 'b')).toBe(2);
    expect(valueOf(result.trees!.default, 'HKLM\\Test', 'c')).toBe(3);
  });

  test('nested IFs: an inner IF in a skipped branch is not evaluated, its ELSE not taken', () => {
    const text = 'IF A\nIF B !\n"x"=dword:1\nELSE\n"y"=dword:1\nENDIF\nELSE\n"z"=dword:1\nENDIF\n';
    expect(names(text)).toEqual(['z']);
    expect(names(text, { defines: { A: '1' } })).toEqual(['x']);
    expect(names(text, { defines: { A: '1', B: '1' } })).toEqual(['y']);
    const result = compileText(KEY + text);
    expect(result.statistics.conditionalsTaken + result.statistics.conditionalsSkipped).toBe(1);
  });

  test('a variable set to the empty string is not set (set VAR= removes it on Windows)', () => {
    expect(names('IF A\n"x"=dword:1\nENDIF\n', { defines: { A: '' } })).toEqual([]);
  });

  test('-D wins over #define, which wins over the environment', () => {
    const text = '#define V fromdefine\n"v"="$(V)"\n"w"="$(W)"\n';
    const defaults = tree(KEY + text, { environment: { V: 'fromenv', W: 'fromenv' } });
    expect(valueOf(defaults, 'HKLM\\Test', 'v')).toBe('fromdefine');
    expect(valueOf(defaults, 'HKLM\\Test', 'w')).toBe('fromenv');
    expect(valueOf(tree(KEY + text, { defines: { V: 'fromD' }, environment: { V: 'fromenv' } }), 'HKLM\\Test', 'v')).toBe('fromD');
  });
});

describe('C-like directives', () => {
  test.each([
    ['defined A && ! defined B', { A: '1' }, true],
    ['defined A && ! defined B', { A: '1', B: '1' }, false],
    ['! defined A || ! defined B', { A: '1', B: '1' }, false],
    ['! defined A  || ! defined B', { A: '1' }, true],
    ['! (defined IMGPPC || defined IMGTPC)', {}, true],
    ['! (defined IMGPPC || defined IMGTPC)', { IMGTPC: '1' }, false],
    ['defined(A)', { A: '1' }, true],
    ['$(DEFAULT_LOCALE)=="zu-ZA"', { DEFAULT_LOCALE: 'zu-ZA' }, true],
    ['$(DEFAULT_LOCALE)=="zu-ZA"', { DEFAULT_LOCALE: 'en-US' }, false],
    ['$(DEFAULT_LOCALE) != "zu-ZA"', { DEFAULT_LOCALE: 'en-US' }, true],
  ] as Array<[string, Record<string, string>, boolean]>)('#if %s with %j', (expression, defines, taken) => {
    expect(names(`#if ${expression}\n"in"=dword:1\n#else\n"out"=dword:1\n#endif\n`, { defines })).toEqual([taken ? 'in' : 'out']);
  });

  test('#endif with trailing text, #ifdef, #ifndef, #elif', () => {
    expect(names('#if ! defined A  || ! defined B\n"x"=dword:1\n#endif BSP_NOPCMCIA ! || BSP_NOPCCARD !\n')).toEqual(['x']);
    expect(names('#ifdef A\n"x"=dword:1\n#endif\n#ifndef A\n"y"=dword:1\n#endif\n')).toEqual(['y']);
    const chain = '#if defined A\n"a"=dword:1\n#elif defined B\n"b"=dword:1\n#else\n"c"=dword:1\n#endif\n';
    expect(names(chain, { defines: { A: '1', B: '1' } })).toEqual(['a']);
    expect(names(chain, { defines: { B: '1' } })).toEqual(['b']);
    expect(names(chain)).toEqual(['c']);
  });

  test('#define NAME value: used by $(NAME) (any case) in values and by defined', () => {
    const text = '#if ! defined keybd_driver\n#define keybd_driver "kbdmouse.dll"\n#endif\n"Dll"=$(KEYBD_DRIVER)\n';
    expect(valueOf(tree(KEY + text), 'HKLM\\Test', 'Dll')).toBe('kbdmouse.dll');
    expect(valueOf(tree(KEY + text, { defines: { keybd_driver: '"other.dll"' } }), 'HKLM\\Test', 'Dll')).toBe('other.dll');
  });

  test('#define expands macros it contains, in keys too', () => {
    const text = '#define BUILTIN_ROOT HKEY_LOCAL_MACHINE\\Drivers\\$(BUS)\n[$(BUILTIN_ROOT)\\Serial]\n"Dll"="$(driver).dll"\n';
    expect(valueOf(tree(text, { defines: { BUS: 'BuiltIn', DRIVER: 'com16550' } }), 'HKLM\\Drivers\\BuiltIn\\Serial', 'Dll')).toBe('com16550.dll');
  });

  test('#include "path": macros, backslashes, any letter case, relative to the including file, indented by spaces or tabs', () => {
    const files = {
      'bsp/files/platform.reg': '#define PLAT_DRIVERS_DIR $(_TARGETPLATROOT)\\src\\drivers\n  #include "$(PLAT_DRIVERS_DIR)\\BUS\\OmapBus.reg"\n\t#include "..\\sub\\Near.reg"\n',
      'bsp/SRC/DRIVERS/BUS/omapbus.reg': '[HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\OmapBus]\n"Dll"="omap_bus.dll"\n',
      'bsp/sub/near.reg': '[HKEY_LOCAL_MACHINE\\Near]\n"x"=dword:7\n',
    };
    const result = compileRegistry(['bsp/files/platform.reg'], memoryHost(files), { defines: { _TARGETPLATROOT: '/bsp' } });
    expect(codes(result)).toEqual([]);
    expect(valueOf(result.trees!.default, 'HKLM\\Drivers\\BuiltIn\\OmapBus', 'Dll')).toBe('omap_bus.dll');
    expect(valueOf(result.trees!.default, 'HKLM\\Near', 'x')).toBe(7);
    expect(result.statistics.files).toBe(3);
  });

  test('#include in a skipped branch is not followed', () => {
    const result = compileText(KEY + 'IF BSP_NOBT !\n#include "missing.reg"\nENDIF BSP_NOBT\n', { defines: { BSP_NOBT: '1' } });
    expect(codes(result)).toEqual([]);
  });

  test('#error reached is an error naming the line; in a skipped branch it is not reached', () => {
    const text = 'IF PRJ_ENABLE_FSEXTREPL\n#error PRJ_ENABLE_FSEXTREPL defined without the filter\nENDIF\n';
    expect(codes(compileText(KEY + text))).toEqual([]);
    const result = compileText(KEY + text, { defines: { PRJ_ENABLE_FSEXTREPL: '1' } });
    expect(result.diagnostics).toEqual([{ severity: 'error', code: 'ERROR_DIRECTIVE', file: 'main.reg', line: 3, message: '#error PRJ_ENABLE_FSEXTREPL defined without the filter' }]);
    expect(result.trees).toBeUndefined();
  });

  test('an include cycle is an error, not a hang', () => {
    const result = compileRegistry(['a.reg'], memoryHost({ 'a.reg': '#include "b.reg"\n', 'b.reg': '#include "a.reg"\n' }));
    expect(codes(result)).toEqual(['INCLUDE_CYCLE@1']);
  });
});

describe('sysgen tags and other tags in comments', () => {
  const text = KEY + '; @CESYSGEN IF CE_MODULES_SHELL\n"shell"=dword:1\n  ; @CESYSGEN IF !FONTS_AC3\n"noac3"=dword:1\n  ; @CESYSGEN ELSE\n"ac3"=dword:1\n  ; @CESYSGEN ENDIF !FONTS_AC3\n; @CESYSGEN ENDIF CE_MODULES_SHELL\n; @CESYSGEN IF DEVICE_PMIF && !PM_PMSTUBS\n"pm"=dword:1\n; @CESYSGEN ENDIF ; DEVICE_PMIF\n; @CESYSGEN IF PM_PMSTUBS !\n"nostubs"=dword:1\n; @CESYSGEN ENDIF PM_PMSTUBS !\n';
  test('default: every component is in', () => {
    expect(names(text.slice(KEY.length))).toEqual(['shell', 'ac3']);
  });
  test('--sysgen: only the components listed (any case)', () => {
    expect(names(text.slice(KEY.length), { sysgen: { mode: 'components', components: ['ce_modules_shell', 'DEVICE_PMIF'] } })).toEqual(['shell', 'noac3', 'pm', 'nostubs']);
  });
  test('--no-sysgen-filter: both branches kept, tags left as comments', () => {
    const result = compileText(text, { sysgen: { mode: 'off' } });
    expect(findKey(result.trees!.default, 'HKLM\\Test')!.values!.map((value) => value.name)).toEqual(['shell', 'noac3', 'ac3', 'pm', 'nostubs']);
    expect(result.merged.texts).toContain('; @CESYSGEN IF CE_MODULES_SHELL');
  });
  test('@XIPREGION, @BEGINASSOC/@ENDASSOC and OUTPUTHIVE are recognised and kept in the merged text', () => {
    const source = '; @CESYSGEN IF FILESYS_FSREGHIVE\n; OUTPUTHIVE\n; @CESYSGEN ENDIF\n; @XIPREGION IF DEFAULT_REGISTRY\n; @BEGINASSOC LOCALE 0411\n[HKEY_LOCAL_MACHINE\\A]\n"x"=dword:1\n; @ENDASSOC\n; @XIPREGION ENDIF DEFAULT_REGISTRY\n';
    const result = compileText(source);
    expect(codes(result)).toEqual([]);
    expect(result.statistics.outputHive).toBe(true);
    expect(result.merged.texts).toEqual(['; OUTPUTHIVE', '; @XIPREGION IF DEFAULT_REGISTRY', '; @BEGINASSOC LOCALE 0411', '[HKEY_LOCAL_MACHINE\\A]', '"x"=dword:1', '; @ENDASSOC', '; @XIPREGION ENDIF DEFAULT_REGISTRY']);
    expect(compileText(source, { sysgen: { mode: 'components', components: [] } }).statistics.outputHive).toBe(false);
  });
  test('unpaired @XIPREGION and @ENDASSOC tags are warnings', () => {
    expect(codes(compileText('; @XIPREGION IF X\n; @ENDASSOC\n'))).toEqual(['UNBALANCED_TAG@2', 'UNBALANCED_TAG@1']);
  });
});

describe('boot sections and the three hives', () => {
  const text = [
    '; This tag MUST come before all registry settings and HIVE BOOT SECTION tags.', // 1: prose, not a marker
    '[HKEY_LOCAL_MACHINE\\Outside]', // 2
    '"a"=dword:1', // 3
    '; HIVE BOOT SECTION', // 4
    '"inherited"=dword:2', // 5: a boot value of the key opened before the marker
    '[HKEY_LOCAL_MACHINE\\init\\BootVars]', // 6
    '"SYSTEMHIVE"="Documents and Settings\\\\system.hv"', // 7
    '; hive boot section.', // 8: prose
    '; END HIVE BOOT SECTION', // 9
    '[HKEY_CURRENT_USER\\ControlPanel]', // 10
    '"u"=dword:3', // 11
  ].join('\n');
  test('boot = boot-section data; default = all but HKCU, boot data included; user = HKCU', () => {
    const result = compileText(text);
    expect(codes(result)).toEqual([]);
    const { boot, default: system, user } = result.trees!;
    expect(valueOf(boot, 'HKLM\\init\\BootVars', 'SYSTEMHIVE')).toBe('Documents and Settings\\system.hv');
    expect(valueOf(system, 'HKLM\\init\\BootVars', 'SYSTEMHIVE')).toBe('Documents and Settings\\system.hv');
    expect(valueOf(boot, 'HKLM\\Outside', 'inherited')).toBe(2);
    expect(valueOf(boot, 'HKLM\\Outside', 'a')).toBeUndefined();
    expect(valueOf(system, 'HKLM\\Outside', 'a')).toBe(1);
    expect(valueOf(user, 'HKCU\\ControlPanel', 'u')).toBe(3);
    expect(findKey(system, 'HKCU\\ControlPanel')).toBeUndefined();
    expect(findKey(boot, 'HKCU\\ControlPanel')).toBeUndefined();
    expect(result.trees!.user.roots[2]).toBeUndefined();
  });
  test('a prose comment containing "HIVE BOOT SECTION" is not a marker', () => {
    const result = compileText('; This tag MUST come before all registry settings and HIVE BOOT SECTION tags.\n[HKEY_LOCAL_MACHINE\\A]\n"x"=dword:1\n');
    expect(codes(result)).toEqual([]);
    expect(result.trees!.boot.roots).toEqual({});
  });
  test('a stray END marker, a nested start marker and an unterminated section are warnings; no data is lost', () => {
    const result = compileText('; END HIVE BOOT SECTION\n; HIVE BOOT SECTION\n[HKEY_LOCAL_MACHINE\\A]\n; HIVE BOOT SECTION\n"x"=dword:1\n');
    expect(codes(result)).toEqual(['STRAY_BOOT_END@1', 'NESTED_BOOT_SECTION@4', 'UNTERMINATED_BOOT_SECTION@2']);
    expect(valueOf(result.trees!.boot, 'HKLM\\A', 'x')).toBe(1);
    expect(valueOf(result.trees!.default, 'HKLM\\A', 'x')).toBe(1);
  });
  test('markers must be whole lines: indentation and trailing blanks are allowed, other text is not', () => {
    const result = compileText('[HKEY_LOCAL_MACHINE\\A]\n   ; HIVE BOOT SECTION   \n"x"=dword:1\n; HIVE BOOT SECTION here\n; END HIVE BOOT SECTION\n');
    expect(codes(result)).toEqual([]);
    expect(valueOf(result.trees!.boot, 'HKLM\\A', 'x')).toBe(1);
  });
});

describe('merging', () => {
  test('later files win; "x"=- deletes a value, [-KEY] a subtree; --explain lists each definition', () => {
    const files = {
      'common.reg': '[HKEY_LOCAL_MACHINE\\Comm\\FTPD]\n"IsEnabled"=dword:0\n"Gone"=dword:1\n[HKEY_LOCAL_MACHINE\\Doomed\\Child]\n"x"=dword:1\n',
      'platform.reg': '[HKEY_LOCAL_MACHINE\\Comm\\FTPD]\n\t"IsEnabled"=-\n    "IsEnabled"=dword:1\n"Gone"=-\n[-HKEY_LOCAL_MACHINE\\Doomed]\n',
      'project.reg': '[HKEY_LOCAL_MACHINE\\COMM\\ftpd]\n"IsEnabled"=dword:2 ; the project wins\n',
    };
    const result = compileRegistry(['common.reg', 'platform.reg', 'project.reg'], memoryHost(files));
    expect(codes(result)).toEqual([]);
    const system = result.trees!.default;
    expect(valueOf(system, 'HKLM\\Comm\\FTPD', 'IsEnabled')).toBe(2);
    expect(valueOf(system, 'HKLM\\Comm\\FTPD', 'Gone')).toBeUndefined();
    expect(findKey(system, 'HKLM\\Doomed')).toBeUndefined();
    const explanation = explainKey(result.merged, 'HKLM\\Comm\\FTPD')!;
    const isEnabled = explanation.values.find((value) => value.name === 'IsEnabled')!;
    expect(isEnabled.present).toBe(true);
    expect(isEnabled.events.map((event) => `${event.kind} ${event.file}:${event.line}`)).toEqual(['set common.reg:2', 'delete-value platform.reg:2', 'set platform.reg:3', 'set project.reg:2']);
    expect(isEnabled.events[3]!.text).toBe('"IsEnabled"=dword:2');
    expect(explanation.values.find((value) => value.name === 'Gone')!.present).toBe(false);
    expect(explainKey(result.merged, 'HKLM\\Doomed\\Child')!.values[0]!.events.map((event) => event.kind)).toEqual(['set', 'delete-key']);
  });
});

describe('diagnostics', () => {
  test.each([
    ['ENDIF with no IF', 'ENDIF\n', ['UNBALANCED_CONDITIONAL@2']],
    ['ELSE with no IF', 'ELSE\n', ['UNBALANCED_CONDITIONAL@2']],
    ['IF with no ENDIF', 'IF A\n"x"=dword:1\n', ['UNBALANCED_CONDITIONAL@2']],
    ['#endif with no #if', '#endif\n', ['UNBALANCED_CONDITIONAL@2']],
    ['#if with no #endif', '#if defined A\n', ['UNBALANCED_CONDITIONAL@2']],
    ['@CESYSGEN ENDIF with no IF', '; @CESYSGEN ENDIF\n', ['UNBALANCED_CONDITIONAL@2']],
    ['unreadable IF', 'IF A B C\nENDIF\n', ['BAD_CONDITION@2']],
    ['unreadable #if', '#if defined\n#endif\n', ['BAD_CONDITION@2']],
    ['missing include', '#include "nowhere.reg"\n', ['MISSING_INCLUDE@2']],
    ['value line outside any key', '', []],
    ['bad dword', '"x"=dword:xyz\n', ['BAD_DATA@2']],
    ['bad hex', '"x"=hex:1,22,333\n', ['BAD_DATA@2']],
    ['unterminated string', '"x"="abc\n', ['BAD_DATA@2']],
  ] as Array<[string, string, string[]]>)('%s is an error: nothing to write', (_name, text, expected) => {
    const result = compileText(KEY + text);
    expect(codes(result)).toEqual(expected);
    if (expected.length > 0) {
      expect(result.trees).toBeUndefined();
      expect(result.diagnostics.every((diagnostic) => diagnostic.file === 'main.reg' && diagnostic.severity === 'error')).toBe(true);
    }
  });

  test('a value line before any key line is VALUE_OUTSIDE_KEY', () => {
    const result = compileText('; header\n"x"=dword:1\n[HKEY_LOCAL_MACHINE\\A]\n');
    expect(codes(result)).toEqual(['VALUE_OUTSIDE_KEY@2']);
    expect(result.trees).toBeUndefined();
  });

  test('several bad lines are all reported, each with its own line', () => {
    expect(codes(compileText(KEY + '"a"=dword:1\n"b"=dword:zz\n"c"=hex:zz\n"d"=dword:2\n'))).toEqual(['BAD_DATA@3', 'BAD_DATA@4']);
  });

  test('a bad line in a boot section (so in two hives) is reported once; lines after it are still read', () => {
    const result = compileText('; HIVE BOOT SECTION\n[HKEY_LOCAL_MACHINE\\A]\n"x"=dword:zz\n"y"=hex:1\n; END HIVE BOOT SECTION\n[HKEY_CURRENT_USER\\U]\n"u"=dword:\n');
    expect(codes(result)).toEqual(['BAD_DATA@3', 'BAD_DATA@7']);
  });

  test('a file included many times cannot make the work unbounded: the source lines and merged text are capped', () => {
    const many = '#include "b.reg"\n'.repeat(50);
    const b = '[HKEY_LOCAL_MACHINE\\B]\n' + '"x"=dword:1\n'.repeat(99);
    const lines = compileText(many, { maxSourceLines: 1000 }, { 'b.reg': b });
    expect(codes(lines)).toEqual(['LIMIT_EXCEEDED@10']);
    expect(lines.statistics.lines).toBeLessThanOrEqual(1000);
    const characters = compileText(many, { maxMergedCharacters: 5000 }, { 'b.reg': b });
    expect(characters.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['LIMIT_EXCEEDED']);
    expect(characters.merged.texts.join('\r\n').length).toBeLessThanOrEqual(5000);
    expect(characters.trees).toBeUndefined();
  });

  test('the error count is capped', () => {
    const result = compileText(KEY + '"x"=dword:zz\n'.repeat(50), { maxErrors: 5 });
    expect(result.errors).toBe(5);
    expect(result.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['BAD_DATA', 'BAD_DATA', 'BAD_DATA', 'BAD_DATA', 'BAD_DATA', 'TOO_MANY_ERRORS']);
  });

  test('--missing-include warn: a warning and the line skipped', () => {
    const result = compileText(KEY + '#include "$(_FLATRELEASEDIR)\\tiwlnapi.reg"\n"x"=dword:1\n', { missingInclude: 'warn', defines: { _FLATRELEASEDIR: '/release' } });
    expect(result.diagnostics).toEqual([{ severity: 'warning', code: 'MISSING_INCLUDE', file: 'main.reg', line: 2, message: '#include "/release\\tiwlnapi.reg": no such file; line skipped' }]);
    expect(valueOf(result.trees!.default, 'HKLM\\Test', 'x')).toBe(1);
  });

  test('an unresolved macro is a warning and stays as written', () => {
    const result = compileText(KEY + '"Path"="$(_WINCEROOT)\\\\x"\n');
    expect(codes(result)).toEqual(['UNRESOLVED_MACRO@2']);
    expect(valueOf(result.trees!.default, 'HKLM\\Test', 'Path')).toBe('$(_WINCEROOT)\\x');
  });

  test('LOC_ tokens: replaced from .str strings or -D; unresolved is a warning and the line is left out', () => {
    const { strings } = parseStrings('; common.str\nLOC_LCID      409\n#define LOC_STORE_DEFAULT_FOLDER "Storage Card"\n');
    const text = KEY + '"DefaultLCID"=dword:LOC_LCID\n"Folder"=LOC_STORE_DEFAULT_FOLDER\n"Quoted"="LOC_STORE_DEFAULT_FOLDER"\n"Other"=LOC_UNKNOWN\n';
    const result = compileText(text, { strings });
    expect(codes(result)).toEqual(['UNRESOLVED_TOKEN@5']);
    const system = result.trees!.default;
    expect(valueOf(system, 'HKLM\\Test', 'DefaultLCID')).toBe(0x409);
    expect(valueOf(system, 'HKLM\\Test', 'Folder')).toBe('Storage Card');
    expect(valueOf(system, 'HKLM\\Test', 'Quoted')).toBe('Storage Card');
    expect(valueOf(system, 'HKLM\\Test', 'Other')).toBeUndefined();
    expect(valueOf(compileText(text, { strings, defines: { LOC_LCID: '411' } }).trees!.default, 'HKLM\\Test', 'DefaultLCID')).toBe(0x411);
    // A token in a comment is no value and is not reported.
    expect(codes(compileText(KEY + ';LOC_FRIENDLYHAYESCOMPAT\n'))).toEqual([]);
  });

  test('a # line that is no directive is a warning, left out', () => {
    expect(codes(compileText(KEY + '#pragma once\n'))).toEqual(['BAD_DIRECTIVE@2']);
  });
});

describe('text forms', () => {
  test('a trailing ; comment after a value or key is cut, a ; inside a string is kept', () => {
    expect(stripTrailingComment('    "PowerFlags"=dword:00000103         ; send pre/post')).toBe('    "PowerFlags"=dword:00000103');
    expect(stripTrailingComment('"a;b"="c;\\"d;"  ; x')).toBe('"a;b"="c;\\"d;"');
    expect(stripTrailingComment('[HKEY_LOCAL_MACHINE\\A] ; note')).toBe('[HKEY_LOCAL_MACHINE\\A]');
    expect(valueOf(tree(KEY + '"a;b"="c;d" ;comment\n'), 'HKLM\\Test', 'a;b')).toBe('c;d');
  });

  test('LF, CRLF, CR and mixed line ends; no final newline', () => {
    const text = '[HKEY_LOCAL_MACHINE\\A]\r\n"x"=dword:1\n"y"=dword:2\r"z"=dword:3';
    const result = compileText(text);
    expect(result.merged.texts).toEqual(['[HKEY_LOCAL_MACHINE\\A]', '"x"=dword:1', '"y"=dword:2', '"z"=dword:3']);
    expect(valueOf(result.trees!.default, 'HKLM\\A', 'z')).toBe(3);
    expect(splitLines('a\n')).toEqual(['a']);
  });

  test('hex data continued with backslashes and multi_sz lists continued by a trailing comma', () => {
    const text = KEY + '"Bin"=hex:01,02,\\\n    03,04\n"IClass"=multi_sz:"{B3CC6EBA}=%b",\n                  "{6F40791D}=%b"\n"After"=dword:5\n';
    const system = tree(text);
    expect(valueOf(system, 'HKLM\\Test', 'Bin')).toBe('01,02,03,04');
    expect(valueOf(system, 'HKLM\\Test', 'IClass')).toEqual(['{B3CC6EBA}=%b', '{6F40791D}=%b']);
    expect(valueOf(system, 'HKLM\\Test', 'After')).toBe(5);
  });

  test('a multi_sz list with a stray trailing comma ends at the next value, key or comment line', () => {
    const system = tree(KEY + '"A"=multi_sz:"a",\n"B"=dword:1\n"C"=multi_sz:"c",\n[HKEY_LOCAL_MACHINE\\Next]\n"D"=dword:2\n');
    expect(valueOf(system, 'HKLM\\Test', 'A')).toEqual(['a']);
    expect(valueOf(system, 'HKLM\\Test', 'B')).toBe(1);
    expect(valueOf(system, 'HKLM\\Test', 'C')).toEqual(['c']);
    expect(valueOf(system, 'HKLM\\Next', 'D')).toBe(2);
  });

  test('unquoted value names and key paths ending in a backslash are read, with a warning', () => {
    const result = compileText('[HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\WAPIMAN\\]\n   Default=dword:0          ; D0\n');
    expect(codes(result)).toEqual(['LENIENT_SYNTAX@1', 'LENIENT_SYNTAX@2']);
    expect(valueOf(result.trees!.default, 'HKLM\\Drivers\\BuiltIn\\WAPIMAN', 'Default')).toBe(0);
  });

  test('a line of stray text is a warning and left out', () => {
    const result = compileText(KEY + '--------------------HIVE BASE REGISTRY------\n"x"=dword:1\n');
    expect(codes(result)).toEqual(['UNRECOGNISED_LINE@2']);
    expect(valueOf(result.trees!.default, 'HKLM\\Test', 'x')).toBe(1);
  });
});

describe('encodings', () => {
  const concat = (...parts: Array<string | number[]>): Uint8Array => Uint8Array.from(parts.flatMap((part) => (typeof part === 'string' ? [...new TextEncoder().encode(part)] : part)));
  test('Shift-JIS with --encoding shift_jis', () => {
    // テスト in Shift-JIS: 83 65 83 58 83 67.
    const bytes = concat(KEY, '"Name"="', [0x83, 0x65, 0x83, 0x58, 0x83, 0x67], '"\r\n');
    expect(valueOf(tree(bytes, { encoding: 'shift_jis' }), 'HKLM\\Test', 'Name')).toBe('テスト');
    // Without --encoding it is not UTF-8: read as windows-1252, with a warning.
    const fallback = compileText(bytes);
    expect(codes(fallback)).toEqual(['NOT_UTF8@1']);
  });
  test('GBK with --encoding gbk', () => {
    // 中文 in GBK: D6 D0 CE C4.
    expect(valueOf(tree(concat(KEY, '"Name"="', [0xd6, 0xd0, 0xce, 0xc4], '"\n'), { encoding: 'gbk' }), 'HKLM\\Test', 'Name')).toBe('中文');
  });
  test('UTF-16LE with BOM (regedit export), whatever --encoding says', () => {
    const text = 'Windows Registry Editor Version 5.00\r\n\r\n' + KEY + '"Name"="Größe ✓"\r\n';
    const units = [0xff, 0xfe];
    for (let index = 0; index < text.length; index++) units.push(text.charCodeAt(index) & 0xff, text.charCodeAt(index) >> 8);
    expect(decodeSource(Uint8Array.from(units)).encoding).toBe('utf-16le');
    expect(valueOf(tree(Uint8Array.from(units), { encoding: 'shift_jis' }), 'HKLM\\Test', 'Name')).toBe('Größe ✓');
  });
  test('UTF-8 with and without BOM', () => {
    expect(valueOf(tree(concat([0xef, 0xbb, 0xbf], KEY, '"Name"="Größe"\n')), 'HKLM\\Test', 'Name')).toBe('Größe');
    expect(valueOf(tree(concat(KEY, '"Name"="Größe"\n')), 'HKLM\\Test', 'Name')).toBe('Größe');
  });
});

describe('reginit.ini and the signature', () => {
  test('UTF-8, CRLF after every line, no BOM; signature = MD5 of those bytes', () => {
    const result = compileText('[HKEY_LOCAL_MACHINE\\A]\n"Name"="Größe"');
    expect(Array.from(result.reginit)).toEqual(Array.from(new TextEncoder().encode('[HKEY_LOCAL_MACHINE\\A]\r\n"Name"="Größe"\r\n')));
    expect(result.signature).toEqual(reginitSignature(result.reginit));
    // MD5 test vector (RFC 1321): "abc".
    expect(Buffer.from(reginitSignature(new TextEncoder().encode('abc'))).toString('hex')).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(encodeReginit([])).toEqual(new Uint8Array(0));
  });
  test('a comment or whitespace change changes the signature; --signature overrides it', () => {
    const a = compileText('[HKEY_LOCAL_MACHINE\\A]\n; one\n');
    const b = compileText('[HKEY_LOCAL_MACHINE\\A]\n; two\n');
    expect(a.signature).not.toEqual(b.signature);
    const given = Uint8Array.from({ length: 16 }, (_, index) => index);
    expect(compileText('[HKEY_LOCAL_MACHINE\\A]\n', { signature: given }).signature).toEqual(given);
  });
});

describe('condition evaluators', () => {
  const lookup = (values: Record<string, string>) => (name: string) => values[name.toUpperCase()];
  test('evaluateIf, evaluateCpp, evaluateSysgen reject what they cannot read', () => {
    expect(() => evaluateIf('', lookup({}))).toThrow('IF names no variable');
    expect(() => evaluateCpp('defined (', lookup({}))).toThrow();
    expect(() => evaluateCpp('(defined A', lookup({}))).toThrow('missing )');
    expect(() => evaluateSysgen('A &&', () => true)).toThrow();
    expect(() => evaluateCpp('!'.repeat(1000) + 'A', lookup({}))).toThrow('nests too deeply');
  });
  test('#if: a lone name is true when set and not 0; numbers', () => {
    expect(evaluateCpp('A', lookup({ A: '1' }))).toBe(true);
    expect(evaluateCpp('A', lookup({ A: '0' }))).toBe(false);
    expect(evaluateCpp('0', lookup({}))).toBe(false);
    expect(evaluateCpp('1 && defined A', lookup({ A: '' }))).toBe(true);
  });
});

describe('the documented grammar (Microsoft\'s Registry File reference, fMerge)', () => {
  test('hex(N): takes 1 to 8 hex digits of type number; above 0xFFFF is an error naming file:line', () => {
    const result = compileText(KEY + '"a"=hex(00000007):01,00,00,00\n"b"=hex(7):41,00,00,00,00,00\n"c"=hex(0000ffff):\\\n  01,02\n');
    expect(result.errors).toBe(0);
    const values = findKey(result.trees!.default, 'HKLM\\Test')!.values!;
    expect(values.map((value) => [value.name, value.type, Array.from(value.data)])).toEqual([
      ['a', 7, [1, 0, 0, 0]],
      ['b', 7, [0x41, 0, 0, 0, 0, 0]],
      ['c', 0xffff, [1, 2]],
    ]);
    const big = compileText(KEY + '"ok"=dword:1\n"d"=hex(00020000):01\n');
    expect(big.trees).toBeUndefined();
    expect(codes(big)).toEqual(['BAD_DATA@3']);
    expect(big.diagnostics[0]!.message).toContain('above 0xFFFF');
    const nine = compileText(KEY + '"d"=hex(000000007):01\n');
    expect(codes(nine)).toEqual(['BAD_DATA@2']);
    expect(nine.diagnostics[0]!.message).toContain('1 to 8 hex digits');
  });

  test('#message is a note (not a warning); #undef removes a #define', () => {
    const result = compileText(KEY + '#message Building the test registry\n#define X 5\n"a"=dword:$(X)\n#undef X\n#define X 6\n"b"=dword:$(X)\n');
    expect(result.diagnostics).toEqual([{ severity: 'note', code: 'MESSAGE_DIRECTIVE', file: 'main.reg', line: 2, message: '#message Building the test registry' }]);
    expect(result.warnings).toBe(0);
    expect(result.notes).toBe(1);
    expect(valueOf(result.trees!.default, 'HKLM\\Test', 'a')).toBe(5);
    expect(valueOf(result.trees!.default, 'HKLM\\Test', 'b')).toBe(6);
    // #undef: the name is no longer defined.
    expect(names('#define Y 1\n#undef Y\n#ifdef Y\n"y"=dword:1\n#else\n"n"=dword:1\n#endif\n')).toEqual(['n']);
  });

  test('an #include\'d C header: // and /* */ comments (across lines) removed, as a C preprocessor does, feeding dword:$(X)', () => {
    const header = [
      '/*',
      ' * image_cfg.h: memory layout of the image',
      ' */',
      '#ifndef __IMAGE_CFG_H',
      '#define __IMAGE_CFG_H',
      '',
      '// RAM disk',
      '#define IMAGE_WINCE_RAM_DISK_SIZE_HEX 06000000 // RAMDISK 96 MB',
      '#define IMAGE_SHARE_ARGS_HEX          /* args */ 80000800 /* shared with the',
      '                                         bootloader */',
      '#define IMAGE_NAME "a//b" // a string keeps its //',
      '#pragma once',
      '#define RAM_MB 0x60 /* 96 */',
      '#if RAM_MB >= 64 && RAM_MB < 0x100',
      '#define RAM_CLASS 2',
      '#else',
      '#define RAM_CLASS 1',
      '#endif',
      '#endif // __IMAGE_CFG_H',
    ].join('\r\n');
    const result = compileText('#include "image_cfg.h"\n' + KEY + '"S"=dword:$(IMAGE_WINCE_RAM_DISK_SIZE_HEX)\n"A"=dword:$(IMAGE_SHARE_ARGS_HEX)\n"N"=$(IMAGE_NAME)\n"C"=dword:$(RAM_CLASS)\n', {}, { 'image_cfg.h': header });
    expect(result.diagnostics).toEqual([]);
    expect(valueOf(result.trees!.default, 'HKLM\\Test', 'S')).toBe(0x06000000);
    expect(valueOf(result.trees!.default, 'HKLM\\Test', 'A')).toBe(0x80000800);
    expect(valueOf(result.trees!.default, 'HKLM\\Test', 'N')).toBe('a//b');
    // A header's #if compares C integers (hex, decimal, octal).
    expect(valueOf(result.trees!.default, 'HKLM\\Test', 'C')).toBe(2);
    const none = (): undefined => undefined;
    expect(evaluateCpp('010 > 9', none)).toBe(false);
    expect(evaluateCpp('010 > 7 && 0x10 <= 16', none)).toBe(true);
    expect(() => evaluateCpp('A < 3', (name) => (name === 'A' ? 'abc' : undefined))).toThrow('compares numbers');
    // Nothing of the header reaches the merged text but its effect.
    expect(result.merged.texts.join('\n')).not.toContain('RAMDISK');
  });

  test('an #include\'d .reg keeps // in its values; a # directive line of a .reg loses its comment', () => {
    const driver = '[HKEY_LOCAL_MACHINE\\Drivers\\Display]\n"IconPath"="res://display.dll/icon"\n"Url"="http://x/y" ; a .reg comment\n';
    const result = compileText('#define ROOT drivers // where the drivers are\n#include "$(ROOT)\\display.reg" /* the display */\n', {}, { 'drivers/display.reg': driver });
    expect(result.diagnostics).toEqual([]);
    expect(valueOf(result.trees!.default, 'HKLM\\Drivers\\Display', 'IconPath')).toBe('res://display.dll/icon');
    expect(valueOf(result.trees!.default, 'HKLM\\Drivers\\Display', 'Url')).toBe('http://x/y');
    // A named .reg file's value keeps its // too.
    expect(valueOf(tree('[HKEY_LOCAL_MACHINE\\Test]\n"P"="res://a//b"\n'), 'HKLM\\Test', 'P')).toBe('res://a//b');
  });

  test('fMerge\'s {BEGIN MULTILANG} blocks: merged once for LOCALE with %LANGID% replaced, skipped by {SKIPLANG}', () => {
    const text = KEY + '{BEGIN MULTILANG}\n{SKIPLANG 0411 0412}\n[HKEY_LOCAL_MACHINE\\Test\\%LANGID%]\n"lang"="%LANGID%"\n{END MULTILANG}\n';
    const english = compileText(text, { defines: { LOCALE: '0409' } });
    expect(english.diagnostics).toEqual([]);
    expect(valueOf(english.trees!.default, 'HKLM\\Test\\0409', 'lang')).toBe('0409');
    expect(english.merged.texts.join('\n')).not.toContain('MULTILANG');
    const japanese = compileText(text, { defines: { LOCALE: '0411' } });
    expect(japanese.diagnostics).toEqual([]);
    expect(findKey(japanese.trees!.default, 'HKLM\\Test\\0411')).toBeUndefined();
    // No LOCALE: Platform Builder's default language, 0409.
    expect(valueOf(tree(text), 'HKLM\\Test\\0409', 'lang')).toBe('0409');
    // Unpaired markers are reported, the text outside a block keeps its % signs.
    expect(codes(compileText(KEY + '"p"="50%LANGID%"\n{END MULTILANG}\n{BEGIN MULTILANG}\n'))).toEqual(['UNBALANCED_TAG@3', 'UNBALANCED_TAG@4']);
  });

  test('@ and "Default" both set in one key: a warning naming both lines; a deletion in between forgets the first', () => {
    const result = compileText('[HKEY_LOCAL_MACHINE\\A]\n@="one"\n"x"=dword:1\n[HKLM\\A]\n"Default"="two"\n[HKLM\\B]\n@="b"\n"Default"=-\n"default"="c"\n[HKLM\\C]\n@="c"\n[-HKLM\\C]\n[HKLM\\C]\n"Default"="d"\n');
    expect(codes(result)).toEqual(['DEFAULT_VALUE_TWICE@5', 'DEFAULT_VALUE_TWICE@9']);
    expect(result.diagnostics[0]!.message).toBe('"Default" here and @ at main.reg:2 set one value (the unnamed value is stored as "Default"): this line wins');
    expect(result.errors).toBe(0);
    expect(valueOf(result.trees!.default, 'HKLM\\A', 'Default')).toBe('two');
  });
});
