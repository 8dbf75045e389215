// The kiosk pages' own words in Simplified Chinese and English. Messages about what happened
// (view.message, item results) come from the daemon already in the session's language; these
// tables hold only the pages' fixed labels. Placeholders are {name}; values are inserted as text.
"use strict";

(function () {
  const tables = {
    zh: {
      htmlLang: "zh-Hans",
      stationTitle: "自助借还",
      gateTitle: "门禁",
      library: "图书馆自助借还机",
      languageNav: "语言",
      mainRegion: "自助借还",
      // idle
      idleHeading: "欢迎",
      idleLead: "请扫描读者证，或输入您的读者证号",
      cardLabel: "读者证号",
      signIn: "登录",
      keypadCard: "读者证号键盘",
      keypadPin: "密码键盘",
      backspace: "删除",
      backspaceLabel: "删除最后一个字符",
      clear: "清除",
      clearLabel: "清除全部",
      letters: "字母",
      lettersLabel: "显示字母键",
      digits: "数字",
      digitsLabel: "只显示数字键",
      returnItems: "还书",
      returnLead: "要还书？把书放到感应区，然后按“还书”。",
      // pin
      pinHeading: "请输入密码",
      pinLabel: "密码",
      pinDigits: "已输入 {n} 位",
      ok: "确定",
      cancel: "取消",
      // identifying
      identifyingHeading: "请稍候",
      identifyingLead: "正在核验您的读者证……",
      // patron
      hello: "您好，{name}",
      holdsReady: "您有 {n} 本预约书可以取",
      charged: "当前在借 {n} 件",
      blocked: "您的账户已被暂停，请联系工作人员",
      fines: "欠款：{fines}",
      padHeading: "感应区上的物品",
      padEmpty: "感应区上还没有物品。请把要借的书放到感应区。",
      partsMissing: "本套共 {total} 件，感应区上只有 {present} 件：请把整套放上去",
      notForLoan: "此物品不外借",
      unreadable: "有 {n} 个标签无法读取：请挪动一下",
      patronCardOnPad: "读者证在感应区上：借书后请记得取走",
      checkoutN: "借出 {n} 件",
      checkoutNone: "借出",
      done: "完成",
      untitled: "物品 {item}",
      // working
      workingHeading: "正在处理",
      workingLead: "请勿移动感应区上的物品",
      status_waiting: "等待中",
      status_working: "处理中",
      status_done: "完成",
      status_refused: "未能办理",
      status_cancelled: "已取消",
      "status_needs-staff": "请联系工作人员",
      // receipt
      receiptHeadingCheckout: "借书完成",
      receiptHeadingCheckin: "还书完成",
      receiptSummary: "成功 {done} 件，未办理 {refused} 件",
      due: "应还日期：{due}",
      offline: "离线办理，系统恢复后同步",
      printReceipt: "打印凭条",
      noReceipt: "不要凭条",
      result_ok: "成功",
      result_no: "未办理",
      // idle dialog
      idleDialogHeading: "您还在吗？",
      idleDialogText: "{n} 秒后将自动退出",
      stillHere: "我还在",
      // connection
      offlineBanner: "与自助机的连接中断，正在重新连接……",
      // announcements
      announceIdle: "欢迎。请扫描读者证或输入读者证号。",
      announcePin: "请输入密码。",
      announceIdentifying: "正在核验读者证，请稍候。",
      announcePatron: "您好，{name}。感应区上有 {n} 件物品。",
      announcePad: "感应区上有 {n} 件物品。",
      announceWorking: "正在处理 {n} 件物品。",
      announceItem: "《{title}》：{result}",
      announceReceipt: "完成。成功 {done} 件，未办理 {refused} 件。",
      // simulation
      simHeading: "模拟",
      simLead: "没有硬件时，可以在这里把演示物品放到感应区。",
      simLay: "放到感应区",
      simLaySelected: "把选中的放到感应区",
      simClear: "清空感应区",
      simParts: "{n} 件一套",
      simPick: "选择 {title}",
      simDone: "已放好 {n} 件",
      simCleared: "感应区已清空",
      simFailed: "模拟操作失败",
      // gate
      gateHeading: "出口门禁",
      alarmsToday: "今日报警",
      visitorsHour: "本小时进 / 出",
      visitorsToday: "今日进 / 出",
      alarmsHeading: "最近报警",
      alarmsNone: "暂无报警",
      colTime: "时间",
      colTitle: "题名",
      colWhere: "索书号 / 馆藏位置",
      colReason: "原因",
      colReader: "读写器 / 天线",
      antenna: "天线 {n}",
      newAlarm: "报警：{title}，{reason}",
      switchTo: "切换到中文",
    },
    en: {
      htmlLang: "en",
      stationTitle: "Self-service",
      gateTitle: "Exit gate",
      library: "Library self-service station",
      languageNav: "Language",
      mainRegion: "Self-service",
      idleHeading: "Welcome",
      idleLead: "Scan your library card or type your card number",
      cardLabel: "Card number",
      signIn: "Sign in",
      keypadCard: "Card number keypad",
      keypadPin: "PIN keypad",
      backspace: "Delete",
      backspaceLabel: "Delete the last character",
      clear: "Clear",
      clearLabel: "Clear everything",
      letters: "ABC",
      lettersLabel: "Show letter keys",
      digits: "123",
      digitsLabel: "Show digit keys only",
      returnItems: "Return items",
      returnLead: "Returning? Put the items on the pad, then press “Return items”.",
      pinHeading: "Enter your PIN",
      pinLabel: "PIN",
      pinDigits: "{n} digits entered",
      ok: "OK",
      cancel: "Cancel",
      identifyingHeading: "One moment",
      identifyingLead: "Checking your card…",
      hello: "Hello, {name}",
      holdsReady: "You have {n} holds ready to collect",
      charged: "You have {n} items on loan",
      blocked: "Your account is blocked: please see staff",
      fines: "Fines: {fines}",
      padHeading: "Items on the pad",
      padEmpty: "Nothing on the pad yet. Put the items you want to borrow on the pad.",
      partsMissing: "This set has {total} parts; {present} are on the pad: please put the whole set on the pad",
      notForLoan: "This item is not for loan",
      unreadable: "{n} tags cannot be read: please move them a little",
      patronCardOnPad: "Your library card is on the pad: remember to take it",
      checkoutN: "Check out {n} items",
      checkoutNone: "Check out",
      done: "Done",
      untitled: "Item {item}",
      workingHeading: "Working",
      workingLead: "Please leave the items on the pad",
      status_waiting: "Waiting",
      status_working: "Working",
      status_done: "Done",
      status_refused: "Not done",
      status_cancelled: "Cancelled",
      "status_needs-staff": "Please see staff",
      receiptHeadingCheckout: "Checkout complete",
      receiptHeadingCheckin: "Return complete",
      receiptSummary: "{done} done, {refused} not done",
      due: "Due {due}",
      offline: "Done offline: the library system will be updated later",
      printReceipt: "Print receipt",
      noReceipt: "No receipt",
      result_ok: "Done",
      result_no: "Not done",
      idleDialogHeading: "Are you still there?",
      idleDialogText: "Logging out in {n} s",
      stillHere: "I'm still here",
      offlineBanner: "Lost the connection to the station: reconnecting…",
      announceIdle: "Welcome. Scan your library card or type your card number.",
      announcePin: "Please enter your PIN.",
      announceIdentifying: "Checking your card, one moment.",
      announcePatron: "Hello, {name}. {n} items on the pad.",
      announcePad: "{n} items on the pad.",
      announceWorking: "Working on {n} items.",
      announceItem: "{title}: {result}",
      announceReceipt: "Finished. {done} done, {refused} not done.",
      simHeading: "Simulation",
      simLead: "No hardware? Lay demo items on the pad here.",
      simLay: "Lay on pad",
      simLaySelected: "Lay selected items on the pad",
      simClear: "Clear pad",
      simParts: "set of {n}",
      simPick: "Select {title}",
      simDone: "{n} items laid on the pad",
      simCleared: "The pad is clear",
      simFailed: "The simulation step failed",
      gateHeading: "Exit gate",
      alarmsToday: "Alarms today",
      visitorsHour: "This hour in / out",
      visitorsToday: "Today in / out",
      alarmsHeading: "Latest alarms",
      alarmsNone: "No alarms",
      colTime: "Time",
      colTitle: "Title",
      colWhere: "Call number / location",
      colReason: "Reason",
      colReader: "Reader / antenna",
      antenna: "antenna {n}",
      newAlarm: "Alarm: {title}, {reason}",
      switchTo: "Switch to English",
    },
  };

  function lang(code) {
    return code === "en" ? "en" : "zh";
  }

  // The label `key` in `code` with {placeholders} filled from `params` (as plain strings).
  function t(code, key, params) {
    const table = tables[lang(code)];
    let s = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : tables.en[key];
    if (s === undefined) return key;
    if (params) {
      s = s.replace(/\{(\w+)\}/g, (m, name) =>
        Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : m);
    }
    return s;
  }

  // Fills every element with data-i18n (its text) and data-i18n-label (its aria-label).
  function apply(code, root) {
    const r = root || document;
    document.documentElement.lang = t(code, "htmlLang");
    for (const el of r.querySelectorAll("[data-i18n]")) el.textContent = t(code, el.dataset.i18n);
    for (const el of r.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", t(code, el.dataset.i18nLabel));
  }

  window.KioskI18n = Object.freeze({ tables, t, apply, lang });
})();
