/**
 * The worker target of a job that waits on a vendor (its API, or an apply that may ask it): a
 * vendor API that hangs holds only its own slots of the worker, as a PSP or a webhook receiver does.
 */
export const channelTarget = (channel: string, storefrontId: string) => `channel:${channel}:${storefrontId}`;
