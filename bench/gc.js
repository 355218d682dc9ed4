// Imported first by every bench process, so each collects garbage as a p2pcdn
// process does (bin/p2pcdn.js).
import { tuneGarbageCollector } from '../dist/src/node/gc-tuning.js'

tuneGarbageCollector()
