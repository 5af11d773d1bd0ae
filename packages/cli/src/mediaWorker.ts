/**
 * Worker thread of `media`: reads an image's layers (see examineImage) while the thread
 * that runs the command stays free to handle signals, then writes what was found.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { examineImage, type MediaScanData, type MediaScanMessage } from './run/media.js';

const port = parentPort!;
examineImage(workerData as MediaScanData, (message: MediaScanMessage) => port.postMessage(message));
