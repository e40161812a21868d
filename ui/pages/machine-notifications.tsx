/** A machine's notifications waiting for delivery, by due time, with their failed attempts. */

import { Instant, Loading } from "../parts/common.js";
import { useLoad } from "../parts/console-context.js";
import { ProblemView } from "../parts/problem-view.js";

export function MachineNotifications({ namespace, id }: { readonly namespace: string; readonly id: string }) {
  const { data, error } = useLoad((api) => api.client.notifications(namespace, id), [namespace, id]);
  if (data === undefined) return error === undefined ? <Loading /> : <ProblemView error={error} />;
  if (data.length === 0)
    return (
      <p class="muted" data-part="notifications">
        No notification is waiting.
      </p>
    );
  return (
    <table class="grid" data-table="notifications" data-part="notifications">
      <thead>
        <tr>
          <th>Notification</th>
          <th>Stored</th>
          <th class="num">Failed attempts</th>
          <th>Next attempt</th>
          <th>Last error</th>
        </tr>
      </thead>
      <tbody>
        {data.map((notification) => (
          <tr data-notification={notification.id}>
            <td>
              <code>{notification.id}</code>
            </td>
            <td>
              <Instant at={notification.createdAt} />
            </td>
            <td class="num">{notification.attempts}</td>
            <td>
              <Instant at={notification.nextAttemptAt} relative />
            </td>
            <td>{notification.lastError ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
