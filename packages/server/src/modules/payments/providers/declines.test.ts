import { describe, expect, it } from "vitest";
import { customerOnly, DAY, hard, later, merchantAdvice, withNetworkAdvice } from "./declines.js";

describe("card network rules shared by every decline table", () => {
  it("reads merchant advice codes however vendors spell them", () => {
    expect(merchantAdvice("03")).toBe("03");
    expect(merchantAdvice("03: Do Not Try Again")).toBe("03");
    expect(merchantAdvice("3")).toBe("03");
    expect(merchantAdvice("")).toBeUndefined();
    expect(merchantAdvice(undefined)).toBeUndefined();
  });

  it.each(["01", "03", "21"])("Mastercard MAC %s forbids any retry of a soft decline", (mac) => {
    expect(withNetworkAdvice(later(DAY), mac)).toEqual(hard);
  });

  it("MAC 24–30 set the earliest retry; nothing softens a hard row", () => {
    expect(withNetworkAdvice(later(DAY), "24")).toMatchObject({
      hard: false,
      retry: { allowed: true, afterSeconds: 3_600 },
    });
    expect(withNetworkAdvice(later(60), "30")).toMatchObject({ retry: { afterSeconds: 10 * DAY } });
    expect(withNetworkAdvice(hard, "02")).toEqual(hard);
    expect(withNetworkAdvice(customerOnly, undefined)).toEqual(customerOnly);
  });
});
