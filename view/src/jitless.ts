// Imported first by deal.ts, before the ext-apps SDK: zod (which the SDK validates messages with)
// probes whether it may compile validators with `new Function("")` as soon as a z.object() is built,
// which the SDK does while it is imported, before App's constructor turns zod's jitless mode on.
// The host's CSP has no 'unsafe-eval' (none of a view's may), so that probe was a CSP violation
// (script-src, "eval") on every load: a securitypolicyviolation event, a report to any report-uri.
// With jitless on from the start zod never probes, and validates the same way without eval.
import { config } from "zod/v4/core";

config({ jitless: true });
