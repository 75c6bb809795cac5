// Entry of the `tessera-token` bin (see bin/tessera-token.mjs).
import { run } from "./main.js";

void run();
