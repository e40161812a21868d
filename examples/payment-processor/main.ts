/**
 * Serves the payment processor over Ratchet's HTTP-JSON protocol: `node dist/examples/payment-processor/main.js`
 * (PORT, 8080 by default; HOST, 127.0.0.1). Ratchet reaches it as the `payments` namespace of ratchet.yaml.
 */
import { serveProcessor } from "ratchet/sdk";
import { paymentProcessor } from "./payment.js";
import { SandboxBank } from "./sandbox-bank.js";

const served = await serveProcessor(paymentProcessor(new SandboxBank()), {
  port: Number(process.env.PORT ?? 8080),
  host: process.env.HOST ?? "127.0.0.1",
});
console.log(`payment processor listening on ${served.url}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void served.close().then(() => console.log("payment processor stopped"));
  });
}
