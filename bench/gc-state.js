// Imported first by the bench's tracker host, so it collects garbage as
// `p2pcdn start --role tracker` does: the marking triggers set, V8's default
// young generation kept (src/cli/gc-startup.ts says why).
import { tuneGarbageCollector } from '../dist/src/node/gc-tuning.js'

tuneGarbageCollector()
