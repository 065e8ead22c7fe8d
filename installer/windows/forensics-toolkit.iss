; Inno Setup 6 script: the Windows installer of the self-contained build (installer/forensics.spec).
; Built on Windows, never here: see BUILDING.md next to this file. Compile with
;     iscc installer\windows\forensics-toolkit.iss
; (defines: /DBundleDir=..., /DOutputDir=..., /DIconFile=..., /DSignToolName=... override the defaults below).
;
; What it does: a per-machine install in Program Files (administrator rights), Start-menu entries for
; the desktop app and the workstation check, an uninstaller (Settings > Apps), "Verify evidence
; package" for ZIP files (Open with, and the right-click menu; the default program for .zip is left
; alone), optionally for package folders too, and optionally the `forensics` command on the PATH.

; Defaults relative to this script's folder (SourcePath), whatever folder iscc runs in.
#ifndef BundleDir
  #define BundleDir AddBackslash(SourcePath) + "..\..\dist\forensics-toolkit"
#endif
#ifndef OutputDir
  #define OutputDir AddBackslash(SourcePath) + "..\..\dist"
#endif
#ifndef IconFile
  #define IconFile AddBackslash(SourcePath) + "..\..\build\icons\forensics-toolkit.ico"
#endif
; The wizard in Vietnamese when the (unofficial) translation is next to this script: see BUILDING.md.
#define ViMessages AddBackslash(SourcePath) + "Vietnamese.isl"
#if !FileExists(AddBackslash(BundleDir) + "forensics.exe")
  #error The bundle is missing: build it first (pyinstaller installer\forensics.spec), or pass /DBundleDir=
#endif
; The version and the code hash come from the bundle's own executable (the spec writes them into its
; version resource), so the installer can never claim another build than the one it carries.
#define AppVersion GetStringFileInfo(AddBackslash(BundleDir) + "forensics.exe", "ProductVersion")
#define NumericVersion GetVersionNumbersString(AddBackslash(BundleDir) + "forensics.exe")
#define CodeHash GetStringFileInfo(AddBackslash(BundleDir) + "forensics.exe", "Comments")
#define AppName "Forensics Toolkit"
#define ProgId "ForensicsToolkit.EvidencePackage"

[Setup]
; AppId identifies the product for upgrades and the uninstaller: never change it.
AppId={{73FF014B-B560-4989-A665-C4C70B7C8473}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=forensics-toolkit contributors
AppComments={#CodeHash}
VersionInfoVersion={#NumericVersion}
VersionInfoProductVersion={#NumericVersion}
VersionInfoDescription={#AppName} {#AppVersion} setup ({#CodeHash})
; Per machine, for every user: Program Files, HKLM, administrator rights (no per-user fallback).
PrivilegesRequired=admin
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
; 64-bit only: the bundle's Python, Qt and Node.js are x64 builds.
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Qt 6 needs Windows 10 1809 or later.
MinVersion=10.0.17763
OutputDir={#OutputDir}
OutputBaseFilename=forensics-toolkit-{#AppVersion}-windows-x64-setup
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\forensics-app.exe
UninstallDisplayName={#AppName} {#AppVersion}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
; The ZIP verbs and the PATH change take effect without logging off.
ChangesAssociations=yes
ChangesEnvironment=yes
; Close a running copy before replacing its files; do not restart it afterwards.
CloseApplications=yes
RestartApplications=no
#ifdef SignToolName
SignTool={#SignToolName}
SignedUninstaller=yes
#endif

[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"
#if FileExists(ViMessages)
Name: "vi"; MessagesFile: "{#ViMessages}"
#endif

[CustomMessages]
en.AppDescription=Forensic evidence collection: web pages, social-media posts, files and disk images
en.DoctorShortcut=Check this workstation (Forensics Toolkit)
en.VerifyVerb=Verify evidence package (Forensics Toolkit)
en.PackageType=Evidence package
en.TaskPath=Add the forensics command to the PATH (all users)
en.TaskFolderVerb=Offer "Verify evidence package" for folders too
en.TaskDesktop=Create a desktop shortcut
en.GroupOptional=Optional:
en.RunApp=Start {#AppName} now
en.TaskMonitor=Run the monitoring desk (scheduled captures) in the background when you log on
#if FileExists(ViMessages)
vi.AppDescription=Thu thập chứng cứ điện tử: trang web, bài đăng mạng xã hội, tệp và ảnh đĩa
vi.DoctorShortcut=Kiểm tra máy trạm (Forensics Toolkit)
vi.VerifyVerb=Kiểm tra gói chứng cứ (Forensics Toolkit)
vi.PackageType=Gói chứng cứ
vi.TaskPath=Thêm lệnh forensics vào PATH (mọi người dùng)
vi.TaskFolderVerb=Thêm "Kiểm tra gói chứng cứ" cho cả thư mục
vi.TaskDesktop=Tạo lối tắt trên màn hình nền
vi.GroupOptional=Tuỳ chọn:
vi.RunApp=Mở {#AppName} ngay
vi.TaskMonitor=Chạy bàn giám sát (thu thập theo lịch) ở chế độ nền khi đăng nhập
#endif

[Tasks]
Name: "desktopicon"; Description: "{cm:TaskDesktop}"; GroupDescription: "{cm:GroupOptional}"; Flags: unchecked
Name: "addtopath"; Description: "{cm:TaskPath}"; GroupDescription: "{cm:GroupOptional}"
Name: "folderverb"; Description: "{cm:TaskFolderVerb}"; GroupDescription: "{cm:GroupOptional}"; Flags: unchecked
Name: "monitortask"; Description: "{cm:TaskMonitor}"; GroupDescription: "{cm:GroupOptional}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the whole bundle: files a previous build had and this one has not must go.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\forensics-app.exe"; Comment: "{cm:AppDescription}"
Name: "{autoprograms}\{cm:DoctorShortcut}"; Filename: "{cmd}"; Parameters: "/k ""{app}\forensics.exe"" doctor"; IconFilename: "{app}\forensics-app.exe"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\forensics-app.exe"; Tasks: desktopicon

[Registry]
; A ProgID for evidence packages, offered under "Open with" for .zip and as a right-click verb on any
; .zip file; it runs `forensics verify-package` in a console that stays open to show the result.
Root: HKA; Subkey: "Software\Classes\{#ProgId}"; ValueType: string; ValueName: ""; ValueData: "{cm:PackageType}"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\{#ProgId}\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: """{app}\forensics-app.exe"",0"
Root: HKA; Subkey: "Software\Classes\{#ProgId}\shell\open"; ValueType: string; ValueName: ""; ValueData: "{cm:VerifyVerb}"
Root: HKA; Subkey: "Software\Classes\{#ProgId}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{cmd}"" /k """"{app}\forensics.exe"" verify-package ""%1"""""
Root: HKA; Subkey: "Software\Classes\.zip\OpenWithProgids"; ValueType: string; ValueName: "{#ProgId}"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\SystemFileAssociations\.zip\shell\{#ProgId}.Verify"; ValueType: string; ValueName: "MUIVerb"; ValueData: "{cm:VerifyVerb}"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\SystemFileAssociations\.zip\shell\{#ProgId}.Verify"; ValueType: string; ValueName: "Icon"; ValueData: """{app}\forensics-app.exe"",0"
Root: HKA; Subkey: "Software\Classes\SystemFileAssociations\.zip\shell\{#ProgId}.Verify\command"; ValueType: string; ValueName: ""; ValueData: """{cmd}"" /k """"{app}\forensics.exe"" verify-package ""%1"""""
; Package folders (exported without --zip), when chosen.
Root: HKA; Subkey: "Software\Classes\Directory\shell\{#ProgId}.Verify"; ValueType: string; ValueName: "MUIVerb"; ValueData: "{cm:VerifyVerb}"; Flags: uninsdeletekey; Tasks: folderverb
Root: HKA; Subkey: "Software\Classes\Directory\shell\{#ProgId}.Verify"; ValueType: string; ValueName: "Icon"; ValueData: """{app}\forensics-app.exe"",0"; Tasks: folderverb
Root: HKA; Subkey: "Software\Classes\Directory\shell\{#ProgId}.Verify\command"; ValueType: string; ValueName: ""; ValueData: """{cmd}"" /k """"{app}\forensics.exe"" verify-package ""%1"""""; Tasks: folderverb
; The install folder on the machine-wide PATH (removed again by the uninstaller: CurUninstallStepChanged).
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Tasks: addtopath; Check: NotOnPath(ExpandConstant('{app}'))

[Run]
; Started as the user who ran the installer, not with the installer's administrator rights.
Filename: "{app}\forensics-app.exe"; Description: "{cm:RunApp}"; Flags: postinstall nowait skipifsilent runasoriginaluser
; The monitoring desk (`forensics monitor`, issue 15) as a Task Scheduler entry of the user who installs: at log-on,
; only while that user is logged on (/IT: no stored Windows password), with limited rights. The vault passphrase of
; the examiner it acts as is read from that user's monitor.passphrase file (see README, "Monitoring desk").
Filename: "{sys}\schtasks.exe"; Parameters: "/Create /F /SC ONLOGON /RL LIMITED /IT /RU ""{username}"" /TN ""Forensics Toolkit\Monitor"" /TR ""\""{app}\forensics.exe\"" monitor"""; Flags: runhidden; Tasks: monitortask

[UninstallRun]
Filename: "{sys}\schtasks.exe"; Parameters: "/Delete /F /TN ""Forensics Toolkit\Monitor"""; Flags: runhidden; RunOnceId: "RemoveMonitorTask"; Tasks: monitortask

[Code]
const
  EnvKey = 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment';

{ True when Dir is not yet one of the entries of the machine PATH (compared case-insensitively). }
function NotOnPath(Dir: string): Boolean;
var
  Path: string;
begin
  if not RegQueryStringValue(HKLM, EnvKey, 'Path', Path) then
  begin
    Result := True;
    exit;
  end;
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Path) + ';') = 0;
end;

{ Remove Dir from the machine PATH (every occurrence), leaving the other entries as they were. }
procedure RemoveFromPath(Dir: string);
var
  Path, Needle: string;
  P: Integer;
begin
  if not RegQueryStringValue(HKLM, EnvKey, 'Path', Path) then
    exit;
  Path := ';' + Path + ';';
  Needle := ';' + Dir + ';';
  P := Pos(Uppercase(Needle), Uppercase(Path));
  while P > 0 do
  begin
    Delete(Path, P, Length(Needle) - 1);
    P := Pos(Uppercase(Needle), Uppercase(Path));
  end;
  Path := Copy(Path, 2, Length(Path) - 2);
  RegWriteExpandStringValue(HKLM, EnvKey, 'Path', Path);
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usPostUninstall then
    RemoveFromPath(ExpandConstant('{app}'));
end;
