// `resume <tenant> [--no-deploy]`: see ../ops/suspend.ts and tenants/suspend.ts.
import { suspendCommand } from "../ops/suspend";

export const command = suspendCommand(false);
