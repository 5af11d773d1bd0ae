/** `hivetool view`: the browser viewer, served on 127.0.0.1. */
import { defineCommand } from '../command.js';
import { jsonOption, romOption } from '../options.js';
import { FORCE_ROM_OPTION } from '../rom.js';

export const view = defineCommand({
  command: 'view [files..]',
  describe: 'Browse hives in a browser: serve the viewer on 127.0.0.1',
  builder: (command) =>
    command
      .positional('files', { describe: 'files to open in the page (hives, registry images, OEM streams, .reg); read only', type: 'string', array: true })
      .option('rom', romOption('the ROM hive the persistent hives given link into, attached in the page'))
      .option('force-rom', FORCE_ROM_OPTION)
      .option('json', jsonOption('print the address as JSON ({"url", "files", "rom", "romUnverified"})'))
      .example('$0 view --rom default.hv system.hv', 'prints http://127.0.0.1:PORT/TOKEN/ to open; Ctrl-C stops')
      .epilogue('Nothing is opened by itself and nothing leaves the computer: the page parses the files in the browser. The address carries a random per-run token: without it the server answers 403; no other site may frame the page.'),
  options: (args) => ({ files: (args.files as string[] | undefined) ?? [], rom: args.rom, forceRom: args['force-rom'], json: args.json }),
  run: async (options, io) => (await import('../run/view.js')).run(options, io),
});
