/**
 * Worker thread of `carve`: scans one image (see scanImage) while the thread that runs
 * the command writes the hives found and stays free to handle signals.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { scanImage, type CarveScanData, type CarveScanMessage } from './run/carve.js';

const port = parentPort!;
scanImage(workerData as CarveScanData, (message: CarveScanMessage) => port.postMessage(message));
