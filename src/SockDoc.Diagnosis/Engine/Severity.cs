namespace SockDoc.Diagnosis.Engine;

/// <summary>Ordered: a report's severity is the highest of its findings.</summary>
public enum Severity
{
    Ok = 0,
    Info = 1,
    Warning = 2,
    Critical = 3,
}
