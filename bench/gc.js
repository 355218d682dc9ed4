// Imported first by every bench process, so each collects garbage as a p2pcdn
// process does (bin/p2pcdn.js): restarted with the young generation's cap
// unless started with it, then with the marking triggers set.
import { restartWithGcStartupFlags, tuneGarbageCollector } from '../dist/src/node/gc-tuning.js'

restartWithGcStartupFlags()
tuneGarbageCollector()
