/**
 * One webview panel type (producer, stepper, browser): creates or reveals its single panel, wires the webview's
 * messages to a vscode-free controller, follows broker restarts (BrokerHost.onDidChange), and restores the panel
 * after a window reload through a WebviewPanelSerializer (the webview's saved state goes to `create`).
 */
import * as vscode from 'vscode';
import type { BrokerHost } from '../broker-host';
import { panelHtml, webviewOptions } from './webview-html';

export interface PanelController {
  handle(raw: unknown): Promise<void>;
  brokerChanged(): void;
  /** The panel was hidden or shown (a remote live tail polls only while it is visible). */
  setVisible?(visible: boolean): void;
  dispose(): void | Promise<void>;
}

export interface PanelSpec<C extends PanelController> {
  viewType: string;
  title: string;
  /** Bundle name under dist/webview/ (without .js). */
  script: string;
  /** Build the controller; `saved` is the webview state after a reload (unvalidated), undefined for a new panel. */
  create(post: (msg: unknown) => void, saved: unknown): C;
}

export class PanelSlot<C extends PanelController> implements vscode.Disposable {
  private current: { panel: vscode.WebviewPanel; controller: C } | undefined;
  private readonly registration: vscode.Disposable;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly host: BrokerHost,
    private readonly log: vscode.LogOutputChannel,
    private readonly spec: PanelSpec<C>,
  ) {
    this.registration = vscode.window.registerWebviewPanelSerializer(spec.viewType, {
      deserializeWebviewPanel: async (panel, state) => {
        this.attach(panel, state);
      },
    });
  }

  /** Reveal the panel (creating it when needed) and hand its controller to `apply`. */
  show(apply?: (controller: C) => void): C {
    if (!this.current) {
      const panel = vscode.window.createWebviewPanel(
        this.spec.viewType,
        this.spec.title,
        vscode.ViewColumn.Active,
        webviewOptions(this.context.extensionUri),
      );
      this.attach(panel, undefined);
    } else {
      this.current.panel.reveal(undefined, false);
    }
    const c = this.current!.controller;
    if (apply) {
      try {
        apply(c);
      } catch (e) {
        // the webview shows the error state the controller recorded; log it for the record
        this.log.warn(`[${this.spec.script}] ${(e as Error).message}`);
      }
    }
    return c;
  }

  get controller(): C | undefined {
    return this.current?.controller;
  }

  private attach(panel: vscode.WebviewPanel, saved: unknown): void {
    if (this.current) this.current.panel.dispose();
    panel.webview.options = webviewOptions(this.context.extensionUri);
    panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'kafka-lite.svg');
    panel.title = this.spec.title;
    const post = (msg: unknown) => void panel.webview.postMessage(msg);
    const controller = this.spec.create(post, saved);
    const subs: vscode.Disposable[] = [
      panel.webview.onDidReceiveMessage((m) => void controller.handle(m)),
      this.host.onDidChange(() => controller.brokerChanged()),
      panel.onDidChangeViewState(() => controller.setVisible?.(panel.visible)),
    ];
    panel.webview.html = panelHtml(panel.webview, this.context.extensionUri, this.spec.script, this.spec.title);
    this.current = { panel, controller };
    panel.onDidDispose(() => {
      subs.forEach((s) => s.dispose());
      void controller.dispose();
      if (this.current?.panel === panel) this.current = undefined;
    });
  }

  dispose(): void {
    this.registration.dispose();
    this.current?.panel.dispose();
  }
}
