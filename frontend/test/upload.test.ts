import { describe, expect, it } from "vitest";
import { WactorzClient } from "../src/lib/client";
import type { Hass } from "../src/lib/hass";

function hassAnswering(status: number, body: unknown, seen: { path?: string; init?: RequestInit }[]): Hass {
  return {
    connection: {} as Hass["connection"],
    callWS: () => Promise.reject(new Error("not used")),
    states: {},
    fetchWithAuth: (path: string, init?: RequestInit) => {
      seen.push({ path, init });
      return Promise.resolve(new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } }));
    },
  };
}

describe("uploadManual", () => {
  const file = new File([new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d])], "Boiler.pdf", { type: "application/pdf" });

  it("posts the file as multipart form data and returns the summary", async () => {
    const seen: { path?: string; init?: RequestInit }[] = [];
    const client = new WactorzClient(hassAnswering(200, { text: "Loaded boiler: 3 pages, 3 chunks." }, seen));
    await expect(client.uploadManual(file)).resolves.toBe("Loaded boiler: 3 pages, 3 chunks.");
    expect(seen[0].path).toBe("/api/wactorz/manual/upload");
    expect(seen[0].init?.method).toBe("POST");
    const form = seen[0].init?.body as FormData;
    expect((form.get("file") as File).name).toBe("Boiler.pdf");
  });

  it("rejects with the server's message", async () => {
    const client = new WactorzClient(hassAnswering(415, { error: "not_a_pdf", message: "Boiler.pdf is not a PDF." }, []));
    await expect(client.uploadManual(file)).rejects.toThrow("Boiler.pdf is not a PDF.");
  });
});
