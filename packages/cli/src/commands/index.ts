/** Every command of hivetool, in the order of `hivetool --help`. */
import type { AnyCommand } from '../command.js';
import { dump } from './dump.js';
import { info } from './info.js';
import { verify } from './verify.js';
import { diff } from './diff.js';
import { image } from './image.js';
import { oem } from './oem.js';
import { build } from './build.js';
import { rewrite } from './rewrite.js';
import { boot } from './boot.js';
import { lint } from './lint.js';
import { compile } from './compile.js';
import { view } from './view.js';
import { recover } from './recover.js';
import { carve } from './carve.js';
import { find } from './find.js';
import { migrate } from './migrate.js';
import { media } from './media.js';

export const COMMANDS: readonly AnyCommand[] = [dump, info, verify, diff, image, oem, build, rewrite, migrate, boot, lint, compile, view, recover, carve, media, find];
